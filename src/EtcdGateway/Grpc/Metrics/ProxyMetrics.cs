using EtcdGateway.Metrics;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// etcd's own proxy families (<c>etcd_grpc_proxy_*</c>, names, types and help as etcd 3.5 registers them), fed by the
/// parts that coalesce watches and cache ranges. A family is written only once its part asked for its counters: until
/// watch coalescing or the range cache exists, /metrics shows nothing that would pass for a measurement of it.
/// </summary>
internal sealed class ProxyMetrics
{
    private WatchCoalescingMetrics? _watch;
    private RangeCacheMetrics? _cache;

    /// <summary>The counters watch coalescing feeds; asking for them puts its families on /metrics.</summary>
    public WatchCoalescingMetrics WatchCoalescing => Once(ref _watch);

    /// <summary>The counters the range cache feeds; asking for them puts its families on /metrics.</summary>
    public RangeCacheMetrics RangeCache => Once(ref _cache);

    public void Write(PrometheusWriter w)
    {
        if (Volatile.Read(ref _watch) is { } watch)
        {
            w.Family("etcd_grpc_proxy_watchers_coalescing_total", "gauge", "Total number of current watchers coalescing");
            w.Sample("etcd_grpc_proxy_watchers_coalescing_total", watch.WatchersCoalescing);
            w.Family("etcd_grpc_proxy_events_coalescing_total", "counter", "Total number of events coalescing");
            w.Sample("etcd_grpc_proxy_events_coalescing_total", watch.EventsCoalescing);
            w.Family("etcd_gateway_watch_cluster_watchers", "gauge", "Watchers the proxy holds on the cluster: one per watched range, plus catch-up watchers");
            w.Sample("etcd_gateway_watch_cluster_watchers", watch.ClusterWatchers);
            w.Family("etcd_gateway_watch_history_replays_total", "counter", "Client watchers served their past from a shared watcher's history");
            w.Sample("etcd_gateway_watch_history_replays_total", watch.HistoryReplays);
            w.Family("etcd_gateway_watch_catch_ups_total", "counter", "Catch-up watchers opened for client watchers older than the history");
            w.Sample("etcd_gateway_watch_catch_ups_total", watch.CatchUps);
            w.Family("etcd_gateway_watch_slow_watchers_total", "counter", "Client watchers that fell behind the history and were caught up alone");
            w.Sample("etcd_gateway_watch_slow_watchers_total", watch.SlowWatchers);
        }

        if (Volatile.Read(ref _cache) is { } cache)
        {
            w.Family("etcd_grpc_proxy_cache_keys_total", "gauge", "Total number of keys/ranges cached");
            w.Sample("etcd_grpc_proxy_cache_keys_total", cache.Keys);
            w.Family("etcd_grpc_proxy_cache_hits_total", "gauge", "Total number of cache hits");
            w.Sample("etcd_grpc_proxy_cache_hits_total", cache.Hits);
            w.Family("etcd_grpc_proxy_cache_misses_total", "gauge", "Total number of cache misses");
            w.Sample("etcd_grpc_proxy_cache_misses_total", cache.Misses);
        }
    }

    /// <summary>The part's counters, made by the first caller; every later caller (on any thread) gets the same ones.</summary>
    private static T Once<T>(ref T? field)
        where T : class, new()
    {
        if (Volatile.Read(ref field) is { } made)
        {
            return made;
        }

        var mine = new T();
        return Interlocked.CompareExchange(ref field, mine, null) ?? mine;
    }
}
