namespace EtcdGateway.Tests.Metrics;

/// <summary>One sample line: metric name, labels, value.</summary>
internal sealed record ExpositionSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
