using System.Diagnostics;
using System.Globalization;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Watch coalescing as the cluster sees it: many client watchers on a few keys, from different revisions, cost the
/// cluster one watcher per key (the members' own <c>etcd_debugging_mvcc_watcher_total</c>), and every client still gets
/// every event of its key from its start revision on, once, in order.
/// </summary>
public sealed class WatchCoalescingTests
{
    private const int Keys = 10;
    private const int Clients = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_Hundred_Clients_On_Ten_Keys_Cost_The_Cluster_Ten_Watchers_And_Each_Gets_Every_Event_Once_In_Order()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { Timeout = Timeout };
        var clock = Stopwatch.StartNew();
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var kv = new KV.KVClient(direct);
        var baseline = await ClusterWatchersAsync(cluster, http);

        // Ten connections of twenty streams each, as many processes' clients would open them.
        var channels = Enumerable.Range(0, 10).Select(_ => GrpcChannel.ForAddress($"http://{proxy.ListenAddress}")).ToList();
        var writes = Enumerable.Range(0, Keys).Select(_ => new List<long>()).ToList();
        var beforeAnyWatch = await WriteRoundAsync(kv, writes);
        var streams = new List<(WatchRecorder Stream, int Key, long Start)>();
        try
        {
            // :: Half the clients watch from now; then writes; then the other half from revisions in the past: some the
            // shared watchers have in their history, some from before any watcher existed (caught up from the cluster).
            for (var i = 0; i < Clients / 2; i++)
            {
                streams.Add(await OpenAsync(channels[i % channels.Count], clock, i % Keys, start: 0));
            }

            for (var round = 0; round < 5; round++)
            {
                await WriteRoundAsync(kv, writes);
            }

            for (var i = Clients / 2; i < Clients; i++)
            {
                var key = i % Keys;
                var start = i % 4 == 0 ? beforeAnyWatch[key] : writes[key][1 + (i % 5)];
                streams.Add(await OpenAsync(channels[i % channels.Count], clock, key, start));
            }

            // More writes: every catch-up watcher meets its shared watcher's history and merges into it.
            for (var round = 0; round < 5; round++)
            {
                await WriteRoundAsync(kv, writes);
            }

            foreach (var (stream, key, _) in streams)
            {
                await stream.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == writes[key][^1]), Timeout);
            }

            // :: Every client: exactly its key's writes from its start on, once, in order.
            foreach (var (stream, key, start) in streams)
            {
                var expected = writes[key].Where(r => r >= start).ToList();
                var got = stream.Received.Where(r => !r.Response.Created).SelectMany(r => r.Response.Events.Select(e => e.Kv.ModRevision)).ToList();
                Assert.Equal(expected, got);
                Assert.Null(stream.Error);
            }

            // :: The cluster holds one watcher per key for all of them, by its own count and by the proxy's.
            var held = await ClusterWatchersAsync(cluster, http) - baseline;
            TestContext.Current.TestOutputHelper?.WriteLine($"{Clients} client watchers on {Keys} keys: {held} watchers on the cluster");
            Assert.InRange(held, 1, Keys);
            var proxied = await ScrapeAsync(http, $"{admin}/metrics");
            Assert.Equal(Keys, proxied["etcd_gateway_watch_cluster_watchers"]);
            Assert.Equal(Clients - Keys, proxied["etcd_grpc_proxy_watchers_coalescing_total"]);
            Assert.True(proxied["etcd_gateway_watch_history_replays_total"] >= 1);
            Assert.True(proxied["etcd_gateway_watch_catch_ups_total"] >= 1);
            Assert.True(proxied["etcd_grpc_proxy_events_coalescing_total"] >= streams.Sum(s => writes[s.Key].Count(r => r >= s.Start)) / 2);
        }
        finally
        {
            foreach (var (stream, _, _) in streams)
            {
                stream.Dispose();
            }

            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    /// <summary>One put to each key; the revision of each. The first round's are where the "before any watcher" clients start.</summary>
    private static async Task<long[]> WriteRoundAsync(KV.KVClient kv, List<List<long>> writes)
    {
        var revisions = new long[Keys];
        for (var key = 0; key < Keys; key++)
        {
            revisions[key] = (await kv.PutAsync(new PutRequest { Key = Key(key), Value = ByteString.CopyFromUtf8($"v{writes[key].Count}") })).Header.Revision;
            writes[key].Add(revisions[key]);
        }

        return revisions;
    }

    private static async Task<(WatchRecorder, int, long)> OpenAsync(GrpcChannel channel, Stopwatch clock, int key, long start)
    {
        var stream = WatchRecorder.Open(channel, clock);
        await stream.SendAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(key), StartRevision = start } });
        var created = await stream.WaitForAsync(r => r.Created, Timeout);
        Assert.False(created.Response.Canceled);
        return (stream, key, start > 0 ? start : created.Response.Header.Revision + 1);
    }

    /// <summary>The watchers the members hold, by their own /metrics.</summary>
    private static async Task<long> ClusterWatchersAsync(EtcdCluster cluster, HttpClient http)
    {
        long total = 0;
        foreach (var member in cluster.Members)
        {
            total += (await ScrapeAsync(http, $"http://{member.ClientAddress}/metrics"))["etcd_debugging_mvcc_watcher_total"];
        }

        return total;
    }

    /// <summary>Unlabelled samples of a Prometheus page by name.</summary>
    internal static async Task<Dictionary<string, long>> ScrapeAsync(HttpClient http, string url)
    {
        var samples = new Dictionary<string, long>();
        foreach (var line in (await http.GetStringAsync(url)).Split('\n'))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && !line.StartsWith('#') && !parts[0].Contains('{', StringComparison.Ordinal))
            {
                samples[parts[0]] = (long)double.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        return samples;
    }

    private static ByteString Key(int key) => ByteString.CopyFromUtf8($"coalesce/{key}");
}
