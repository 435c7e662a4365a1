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
    private LeaseKeepAliveMetrics? _lease;

    /// <summary>The counters watch coalescing feeds; asking for them puts its families on /metrics.</summary>
    public WatchCoalescingMetrics WatchCoalescing => Once(ref _watch);

    /// <summary>The counters the range cache feeds; asking for them puts its families on /metrics.</summary>
    public RangeCacheMetrics RangeCache => Once(ref _cache);

    /// <summary>The counters lease keep-alive coalescing feeds; asking for them puts its families on /metrics.</summary>
    public LeaseKeepAliveMetrics LeaseKeepAlive => Once(ref _lease);

    public void Write(PrometheusWriter w)
    {
        if (Volatile.Read(ref _watch) is { } watch)
        {
            w.Family("etcd_grpc_proxy_watchers_coalescing_total", "gauge", "Total number of current watchers coalescing");
            w.Sample("etcd_grpc_proxy_watchers_coalescing_total", watch.WatchersCoalescing);
            w.Family("etcd_grpc_proxy_events_coalescing_total", "counter", "Total number of events coalescing");
            w.Sample("etcd_grpc_proxy_events_coalescing_total", watch.EventsCoalescing);
            w.Family("etcd_gateway_watch_cluster_watchers", "gauge", "Shared watchers the proxy holds on the cluster: one per watched range (catch-up watchers are counted by etcd_gateway_watch_catch_ups_total)");
            w.Sample("etcd_gateway_watch_cluster_watchers", watch.ClusterWatchers);
            w.Family("etcd_gateway_watch_history_replays_total", "counter", "Client watchers served their past from a shared watcher's history");
            w.Sample("etcd_gateway_watch_history_replays_total", watch.HistoryReplays);
            w.Family("etcd_gateway_watch_catch_ups_total", "counter", "Catch-up watchers opened for client watchers older than the history");
            w.Sample("etcd_gateway_watch_catch_ups_total", watch.CatchUps);
            w.Family("etcd_gateway_watch_catch_ups_waiting", "gauge", "Client watchers waiting for a catch-up watcher (--watch-catch-up-limit)");
            w.Sample("etcd_gateway_watch_catch_ups_waiting", watch.CatchUpsWaiting);
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
            w.Family("etcd_gateway_grpc_proxy_cache_bytes", "gauge", "Bytes the cached Range answers take, as counted against --cache-max-bytes.");
            w.Sample("etcd_gateway_grpc_proxy_cache_bytes", cache.Bytes);
        }

        if (Volatile.Read(ref _lease) is { } lease)
        {
            w.Family("etcd_gateway_lease_keepalive_client_streams", "gauge", "LeaseKeepAlive streams clients hold open on the proxy");
            w.Sample("etcd_gateway_lease_keepalive_client_streams", lease.ClientStreams);
            w.Family("etcd_gateway_lease_keepalive_cluster_streams", "gauge", "LeaseKeepAlive streams the proxy holds open on the cluster for them");
            w.Sample("etcd_gateway_lease_keepalive_cluster_streams", lease.ClusterStreams);
            w.Family("etcd_gateway_lease_keepalive_leases", "gauge", "Leases clients kept alive through the proxy within their TTL");
            w.Sample("etcd_gateway_lease_keepalive_leases", lease.Leases);
            w.Family("etcd_gateway_lease_keepalives_total", "counter", "Keep-alives received from clients");
            w.Sample("etcd_gateway_lease_keepalives_total", lease.KeepAlives);
            w.Family("etcd_gateway_lease_renewals_total", "counter", "Keep-alives sent to the cluster for them");
            w.Sample("etcd_gateway_lease_renewals_total", lease.Renewals);
        }
    }

    /// <summary>The range cache's figures for the admin status (<c>rangeCache</c>), once the cache exists.</summary>
    public void WriteTotals(System.Text.Json.Utf8JsonWriter json)
    {
        if (Volatile.Read(ref _cache) is { } cache)
        {
            json.WriteStartObject("rangeCache");
            json.WriteNumber("keys", cache.Keys);
            json.WriteNumber("bytes", cache.Bytes);
            json.WriteNumber("hits", cache.Hits);
            json.WriteNumber("misses", cache.Misses);
            json.WriteEndObject();
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
