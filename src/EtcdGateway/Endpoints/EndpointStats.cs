namespace EtcdGateway.Endpoints;

/// <summary>
/// Live counters of one endpoint, shared by every snapshot that holds it (the one mutable part of an endpoint,
/// updated with interlocked operations on the relay path; never locked).
/// </summary>
internal sealed class EndpointStats
{
    private long _active;
    private long _total;

    /// <summary>Client connections relayed to this endpoint right now (what least-connections compares).</summary>
    public long Active => Volatile.Read(ref _active);

    public long Total => Volatile.Read(ref _total);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _active);
        Interlocked.Increment(ref _total);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _active);
}
