using System.Diagnostics;
using dotnet_etcd;
using EtcdGateway.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using RangeRequest = Etcdserverpb.RangeRequest;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The Range cache when the member behind its watch hangs (SIGSTOP): nothing is served from the cache while the watch
/// cannot vouch for it, so a write made meanwhile on the other members is never hidden by an old answer. Its own cluster:
/// a member is stopped.
/// </summary>
public class RangeCacheFailureTests
{
    private static RangeRequest Serializable(string key) => new() { Key = ByteString.CopyFromUtf8(key), Serializable = true };

    [Fact]
    public async Task WhenTheMemberBehindTheCachesWatchHangs_NoOldAnswerIsServed()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}", "--cache-entry-ttl=1m"]);
        using var client = new EtcdClient($"http://{proxy.ListenAddress}");
        var watchersBefore = await WatchersAsync(cluster);

        using (var first = new EtcdClient(cluster.Members[0].ClientUrl))
        {
            await first.PutAsync("cache/hung", "v1");
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", await ValueAsync(client, TimeSpan.FromSeconds(5)));
        }

        Assert.True(await MemberMetrics.SumAsync($"{admin}/metrics", "etcd_grpc_proxy_cache_hits_total") >= 15, "answers came from the cache");

        // The member holding the cache's watcher: the one whose watcher count rose.
        var watchersAfter = await WatchersAsync(cluster);
        var hung = Enumerable.Range(0, 3).Single(i => watchersAfter[i] > watchersBefore[i]);
        var other = (hung + 1) % 3;

        // A hung leader would hold the write back for an election, past the window this test looks at: lead elsewhere.
        if (await cluster.LeaderIndexAsync() == hung)
        {
            await MoveLeaderAsync(cluster, from: hung, to: other);
        }

        cluster.Stop(hung);
        try
        {
            var stopped = Stopwatch.StartNew();
            using (var live = new EtcdClient(cluster.Members[other].ClientUrl))
            {
                await live.PutAsync("cache/hung", "v2", deadline: DateTime.UtcNow.AddSeconds(10));
            }

            // Reads may fail while the hung member is still picked (each has its own deadline); none may show v1 once the
            // watch has been silent past the cache's 0.9 s, and v2 must come.
            // The hung member's stream is ended by the proxy only later (health takes it out after ~2 s, the eject grace
            // after that): v2 must be read before then, from a member, not v1 from the cache.
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(1), $"the write took {stopped.Elapsed.TotalMilliseconds:F0} ms");
            var sawNewEarly = false;
            while (stopped.Elapsed < TimeSpan.FromSeconds(6))
            {
                var value = await ValueOrNullAsync(client);
                if (stopped.Elapsed > TimeSpan.FromSeconds(1.2))
                {
                    Assert.NotEqual("v1", value);
                    sawNewEarly |= value == "v2" && stopped.Elapsed < TimeSpan.FromSeconds(2.2);
                }

                await Task.Delay(20);
            }

            Assert.True(sawNewEarly, "v2 was not read through the proxy between 1.2 s and 2.2 s after the hang");
        }
        finally
        {
            cluster.Continue(hung);
        }
    }

    private static async Task<string> ValueAsync(EtcdClient client, TimeSpan within) =>
        Assert.Single((await client.GetAsync(Serializable("cache/hung"), deadline: DateTime.UtcNow.Add(within))).Kvs).Value.ToStringUtf8();

    private static async Task<string?> ValueOrNullAsync(EtcdClient client)
    {
        try
        {
            return await ValueAsync(client, TimeSpan.FromMilliseconds(500));
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task MoveLeaderAsync(EtcdCluster cluster, int from, int to)
    {
        using var target = new EtcdClient(cluster.Members[to].ClientUrl);
        var id = (await target.StatusAsync(new Etcdserverpb.StatusRequest())).Header.MemberId;
        var moved = await Etcdctl.RunAsync(cluster.Members[from].ClientAddress, "move-leader", id.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(moved.Succeeded, moved.ToString());
        Assert.Equal(to, await cluster.LeaderIndexAsync());
    }

    private static async Task<double[]> WatchersAsync(EtcdCluster cluster) =>
        await Task.WhenAll(cluster.Members.Select(m => MemberMetrics.SumAsync($"{m.ClientUrl}/metrics", "etcd_debugging_mvcc_watcher_total")));
}
