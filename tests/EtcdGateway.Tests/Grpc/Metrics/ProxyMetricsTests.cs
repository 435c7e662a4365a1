using System.Text;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Metrics;
using EtcdGateway.Tests.Metrics;

namespace EtcdGateway.Tests.Grpc.Metrics;

/// <summary>etcd's etcd_grpc_proxy_* families: absent until a part feeds them, then with etcd's names and types.</summary>
public class ProxyMetricsTests
{
    private static string Written(ProxyMetrics metrics)
    {
        var text = new StringBuilder();
        metrics.Write(new PrometheusWriter(text));
        return text.ToString();
    }

    [Fact]
    public void NothingIsWritten_UntilAPartAsksForItsCounters()
    {
        Assert.Equal("", Written(new ProxyMetrics()));
    }

    [Fact]
    public void WatchCoalescing_WritesEtcdsTwoFamilies_AndOurs()
    {
        var metrics = new ProxyMetrics();
        var watch = metrics.WatchCoalescing;
        Assert.Same(watch, metrics.WatchCoalescing);
        watch.WatchersChanged(+3);
        watch.WatchersChanged(-1);
        watch.EventsCoalesced(7);
        watch.ClusterWatchersChanged(+2);
        watch.HistoryReplayed();
        watch.SlowWatcher();

        var page = Exposition.Parse(Written(metrics));

        Assert.Equal(
            ["etcd_grpc_proxy_watchers_coalescing_total", "etcd_grpc_proxy_events_coalescing_total", "etcd_gateway_watch_cluster_watchers",
             "etcd_gateway_watch_history_replays_total", "etcd_gateway_watch_catch_ups_total", "etcd_gateway_watch_catch_ups_waiting",
             "etcd_gateway_watch_slow_watchers_total"],
            page.Types.Keys);
        Assert.Equal(2, page.Value("etcd_gateway_watch_cluster_watchers"));
        Assert.Equal(1, page.Value("etcd_gateway_watch_history_replays_total"));
        Assert.Equal(0, page.Value("etcd_gateway_watch_catch_ups_total"));
        Assert.Equal(0, page.Value("etcd_gateway_watch_catch_ups_waiting"));
        Assert.Equal(1, page.Value("etcd_gateway_watch_slow_watchers_total"));
        Assert.Equal("gauge", page.Types["etcd_grpc_proxy_watchers_coalescing_total"]);
        Assert.Equal("counter", page.Types["etcd_grpc_proxy_events_coalescing_total"]);
        Assert.Equal(2, page.Value("etcd_grpc_proxy_watchers_coalescing_total"));
        Assert.Equal(7, page.Value("etcd_grpc_proxy_events_coalescing_total"));
    }

    [Fact]
    public void RangeCache_WritesEtcdsThreeFamilies_AsEtcdTypesThem_AndItsBytes()
    {
        var metrics = new ProxyMetrics();
        var cache = metrics.RangeCache;
        cache.KeysNow(5);
        cache.BytesNow(4096);
        cache.Hit();
        cache.Hit();
        cache.Miss();

        var page = Exposition.Parse(Written(metrics));

        Assert.Equal(
            ["etcd_grpc_proxy_cache_keys_total", "etcd_grpc_proxy_cache_hits_total", "etcd_grpc_proxy_cache_misses_total", "etcd_gateway_grpc_proxy_cache_bytes"],
            page.Types.Keys);
        Assert.All(page.Types.Values, t => Assert.Equal("gauge", t));
        Assert.Equal(4096, page.Value("etcd_gateway_grpc_proxy_cache_bytes"));
        Assert.Equal(5, page.Value("etcd_grpc_proxy_cache_keys_total"));
        Assert.Equal(2, page.Value("etcd_grpc_proxy_cache_hits_total"));
        Assert.Equal(1, page.Value("etcd_grpc_proxy_cache_misses_total"));
    }

    [Fact]
    public async Task ConcurrentFirstUse_GivesEveryoneTheSameCounters()
    {
        var metrics = new ProxyMetrics();
        var seen = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => metrics.RangeCache)));
        Assert.All(seen, c => Assert.Same(seen[0], c));
    }
}
