namespace EtcdGateway.Endpoints;

/// <summary>
/// Live counters of one endpoint, shared by every snapshot that holds it (the one mutable part of an endpoint,
/// updated with interlocked operations on the relay path; never locked).
/// </summary>
internal sealed class EndpointStats
{
    private long _active;
    private long _total;
    private long _bytesFromClients;
    private long _bytesToClients;
    private long _dialFailures;
    private long _probesPassed;
    private long _probesFailed;

    /// <summary>Client connections relayed to this endpoint right now (what least-connections compares).</summary>
    public long Active => Volatile.Read(ref _active);

    public long Total => Volatile.Read(ref _total);

    public long BytesFromClients => Volatile.Read(ref _bytesFromClients);

    public long BytesToClients => Volatile.Read(ref _bytesToClients);

    public long DialFailures => Volatile.Read(ref _dialFailures);

    public long ProbesPassed => Volatile.Read(ref _probesPassed);

    public long ProbesFailed => Volatile.Read(ref _probesFailed);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _active);
        Interlocked.Increment(ref _total);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _active);

    /// <summary>Counts relayed bytes as they pass (one add per chunk, so long-lived watches show up while they run).</summary>
    public void AddBytes(bool fromClient, int count) =>
        Interlocked.Add(ref fromClient ? ref _bytesFromClients : ref _bytesToClients, count);

    public void DialFailed() => Interlocked.Increment(ref _dialFailures);

    public void ProbeFinished(bool passed) => Interlocked.Increment(ref passed ? ref _probesPassed : ref _probesFailed);
}
