namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>The data path through the default Linux engine: event loops over raw descriptors, splice(2) through a pipe.</summary>
public sealed class EpollRelayDataPathTests() : DataPathTests(null);
