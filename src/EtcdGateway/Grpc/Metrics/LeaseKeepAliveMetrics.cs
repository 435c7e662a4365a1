namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// What lease keep-alive coalescing feeds: the clients' keep-alive streams open on the proxy, the leases it renews for
/// them, the keep-alive streams it holds on the cluster for them all, and how many client keep-alives cost how many
/// renewals sent to the cluster. Interlocked only.
/// </summary>
internal sealed class LeaseKeepAliveMetrics
{
    private long _clientStreams;
    private long _clusterStreams;
    private long _leases;
    private long _keepAlives;
    private long _renewals;

    /// <summary>LeaseKeepAlive streams clients hold open on the proxy now.</summary>
    public long ClientStreams => Volatile.Read(ref _clientStreams);

    /// <summary>LeaseKeepAlive streams the proxy holds open on the cluster now.</summary>
    public long ClusterStreams => Volatile.Read(ref _clusterStreams);

    /// <summary>Leases some client kept alive through the proxy within their TTL.</summary>
    public long Leases => Volatile.Read(ref _leases);

    /// <summary>Keep-alives received from clients.</summary>
    public long KeepAlives => Volatile.Read(ref _keepAlives);

    /// <summary>Keep-alives sent to the cluster for them.</summary>
    public long Renewals => Volatile.Read(ref _renewals);

    public void ClientStreamsChanged(long delta) => Interlocked.Add(ref _clientStreams, delta);

    public void ClusterStreamsChanged(long delta) => Interlocked.Add(ref _clusterStreams, delta);

    public void LeasesChanged(long delta) => Interlocked.Add(ref _leases, delta);

    public void KeepAliveReceived() => Interlocked.Increment(ref _keepAlives);

    public void RenewalSent() => Interlocked.Increment(ref _renewals);
}
