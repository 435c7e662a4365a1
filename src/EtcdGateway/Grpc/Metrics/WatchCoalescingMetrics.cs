namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// What watch coalescing feeds: etcd's <c>etcd_grpc_proxy_watchers_coalescing_total</c> (a gauge, despite the name: client
/// watchers sharing a cluster watcher with another now) and <c>etcd_grpc_proxy_events_coalescing_total</c> (events
/// delivered from a shared watcher's history), and ours: cluster watchers held, history replays, slow watchers.
/// Interlocked only.
/// </summary>
internal sealed class WatchCoalescingMetrics
{
    private long _watchersCoalescing;
    private long _eventsCoalescing;
    private long _clusterWatchers;
    private long _historyReplays;
    private long _slowWatchers;
    private long _catchUps;
    private long _catchUpsWaiting;

    public long WatchersCoalescing => Volatile.Read(ref _watchersCoalescing);

    public long EventsCoalescing => Volatile.Read(ref _eventsCoalescing);

    /// <summary>Watchers the proxy holds on the cluster now: shared ones and catch-up ones.</summary>
    public long ClusterWatchers => Volatile.Read(ref _clusterWatchers);

    /// <summary>Client watchers that started before the shared watcher's present and were served their past from its history.</summary>
    public long HistoryReplays => Volatile.Read(ref _historyReplays);

    /// <summary>Client watchers that fell behind the history while reading (their client read too slowly).</summary>
    public long SlowWatchers => Volatile.Read(ref _slowWatchers);

    /// <summary>Catch-up watchers opened for client watchers older than the history.</summary>
    public long CatchUps => Volatile.Read(ref _catchUps);

    /// <summary>Client watchers waiting for a catch-up place (<c>--watch-catch-up-limit</c>) now.</summary>
    public long CatchUpsWaiting => Volatile.Read(ref _catchUpsWaiting);

    public void CatchUpsWaitingChanged(long delta) => Interlocked.Add(ref _catchUpsWaiting, delta);

    /// <summary>A client watcher joined (+1) or left (-1) a shared cluster watcher.</summary>
    public void WatchersChanged(long delta) => Interlocked.Add(ref _watchersCoalescing, delta);

    public void EventsCoalesced(long count) => Interlocked.Add(ref _eventsCoalescing, count);

    public void ClusterWatchersChanged(long delta) => Interlocked.Add(ref _clusterWatchers, delta);

    public void HistoryReplayed() => Interlocked.Increment(ref _historyReplays);

    public void SlowWatcher() => Interlocked.Increment(ref _slowWatchers);

    public void CatchUpStarted() => Interlocked.Increment(ref _catchUps);
}
