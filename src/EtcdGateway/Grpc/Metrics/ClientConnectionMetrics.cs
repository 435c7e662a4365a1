using EtcdGateway.Metrics;
using Microsoft.AspNetCore.Connections;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// The proxy's client connections (gRPC's HTTP/2 and plain HTTP/1.1 alike), counted by a Kestrel connection middleware:
/// open now, accepted since start, and how long each lasted. Interlocked only.
/// </summary>
internal sealed class ClientConnectionMetrics(TimeProvider time)
{
    private long _open;
    private long _accepted;

    public long Open => Volatile.Read(ref _open);

    public long Accepted => Volatile.Read(ref _accepted);

    /// <summary>Accept to close, with the L4 gateway's buckets (5 ms to 1 h).</summary>
    public Histogram Duration { get; } = new(GatewayMetrics.ConnectionDurationBounds);

    /// <summary>The middleware for a Kestrel endpoint (<c>ListenOptions.Use</c>): counts each connection around the rest of its handling.</summary>
    public ConnectionDelegate Count(ConnectionDelegate next) => async connection =>
    {
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _open);
        var start = time.GetTimestamp();
        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            Duration.Record(time.GetElapsedTime(start));
        }
    };
}
