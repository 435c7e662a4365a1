namespace EtcdGateway.Health;

/// <summary>What one round of <see cref="EndpointMonitor"/> reads from the live options: it is read afresh each round, so a reload applies at the next.</summary>
internal sealed record MonitorSettings(HealthOptions Health, TimeSpan RetryDelay, TimeSpan DialTimeout);
