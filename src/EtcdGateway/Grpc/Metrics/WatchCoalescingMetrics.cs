namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// What watch coalescing feeds: etcd's <c>etcd_grpc_proxy_watchers_coalescing_total</c> (a gauge, despite the name: client
/// watchers sharing a cluster watcher now) and <c>etcd_grpc_proxy_events_coalescing_total</c> (events delivered from a
/// shared watcher). Interlocked only.
/// </summary>
internal sealed class WatchCoalescingMetrics
{
    private long _watchersCoalescing;
    private long _eventsCoalescing;

    public long WatchersCoalescing => Volatile.Read(ref _watchersCoalescing);

    public long EventsCoalescing => Volatile.Read(ref _eventsCoalescing);

    /// <summary>A client watcher joined (+1) or left (-1) a shared cluster watcher.</summary>
    public void WatchersChanged(long delta) => Interlocked.Add(ref _watchersCoalescing, delta);

    public void EventsCoalesced(long count) => Interlocked.Add(ref _eventsCoalescing, count);
}
