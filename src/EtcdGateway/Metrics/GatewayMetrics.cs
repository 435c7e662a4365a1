namespace EtcdGateway.Metrics;

/// <summary>The gateway-wide measurements that are not per endpoint: connection durations and health-probe durations.</summary>
internal sealed class GatewayMetrics
{
    /// <summary>Bucket bounds for client connection lifetimes, in seconds: from a single request to a watch held for an hour.</summary>
    public static readonly double[] ConnectionDurationBounds = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800, 3600];

    public Histogram ConnectionDuration { get; } = new(ConnectionDurationBounds);

    public Histogram ProbeDuration { get; } = new(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);

    private long _accepted;

    public long Accepted => Volatile.Read(ref _accepted);

    public void ConnectionAccepted() => Interlocked.Increment(ref _accepted);
}
