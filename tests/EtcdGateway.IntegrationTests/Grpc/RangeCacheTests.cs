using System.Diagnostics;
using System.Text;
using dotnet_etcd;
using EtcdGateway.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using RangeRequest = Etcdserverpb.RangeRequest;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The gRPC proxy's Range cache against a real 3-member cluster, with what the cluster paid read from the members' own
/// /metrics: serializable reads answered by the proxy, writes made directly to a member seen through it within a second
/// (single keys, from-key ranges, in a namespace), revision-pinned reads answered as a member answers them.
/// </summary>
public sealed class RangeCacheTests(ThreeMemberClusterFixture fixture) : IClassFixture<ThreeMemberClusterFixture>
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(1);

    private EtcdCluster Cluster => fixture.Cluster;

    private static ByteString B(string text) => ByteString.CopyFromUtf8(text);

    private static RangeRequest Serializable(string key, string end = "") => new() { Key = B(key), RangeEnd = B(end), Serializable = true };

    [Fact]
    public async Task TwoThousandSerializableGets_OfOneKey_CostTheCluster_AtMostTwentyRangeCalls()
    {
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={Cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var direct = new EtcdClient(Cluster.Members[0].ClientUrl);
        using var client = new EtcdClient($"http://{proxy.ListenAddress}");
        await direct.PutAsync("cache/hot", "v1");

        var before = await MemberMetrics.RangeCallsAsync(Cluster);
        for (var i = 0; i < 2000; i++)
        {
            var answer = await client.GetAsync(Serializable("cache/hot"));
            Assert.Equal("v1", Assert.Single(answer.Kvs).Value.ToStringUtf8());
        }

        var paid = await MemberMetrics.RangeCallsAsync(Cluster) - before;
        Assert.InRange(paid, 1, 20);
        Assert.True(await MemberMetrics.SumAsync($"{admin}/metrics", "etcd_grpc_proxy_cache_hits_total") >= 1980);
        Assert.True(await MemberMetrics.SumAsync($"{admin}/metrics", "etcd_gateway_grpc_proxy_cache_bytes") > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ns/")]
    public async Task AWriteMadeDirectlyToAMember_IsSeenThroughTheProxy_WithinASecond_ForAKeyAndAFromKeyRange(string ns)
    {
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        // A long TTL: only the cache's watch can make a write show up within the second.
        await using var proxy = await GrpcProxyProcess.StartAsync(
            [$"--endpoints={Cluster.ClientEndpoints}", $"--metrics-addr={admin}", $"--namespace={ns}", "--cache-entry-ttl=1m"]);
        using var client = new EtcdClient($"http://{proxy.ListenAddress}");
        var key = $"cache/seen{ns.Length}/k";
        var fromKey = $"cache/seen{ns.Length}/";

        for (var round = 1; round <= 3; round++)
        {
            // Each round: the answer is cached (hits rise), a write goes to a member the proxy's cache never talks to
            // in particular, and the proxy must show it within a second, as the single key and as part of a from-key range.
            using var member = new EtcdClient(Cluster.Members[round % 3].ClientUrl);
            await member.PutAsync(ns + key, $"v{round}");
            await WaitForAsync(client, Serializable(key), $"v{round}", TimeSpan.FromSeconds(5));
            await WaitForAsync(client, Serializable(fromKey, "\0"), $"v{round}", TimeSpan.FromSeconds(5));
            var hits = await MemberMetrics.SumAsync($"{admin}/metrics", "etcd_grpc_proxy_cache_hits_total");
            for (var i = 0; i < 20; i++)
            {
                await client.GetAsync(Serializable(key));
                await client.GetAsync(Serializable(fromKey, "\0"));
            }

            Assert.True(await MemberMetrics.SumAsync($"{admin}/metrics", "etcd_grpc_proxy_cache_hits_total") - hits >= 20, "answers were served from the cache");

            await member.PutAsync(ns + key, $"w{round}");
            var written = Stopwatch.StartNew();
            await WaitForAsync(client, Serializable(key), $"w{round}", Visible);
            await WaitForAsync(client, Serializable(fromKey, "\0"), $"w{round}", Visible - written.Elapsed);

            // A new key inside the from-key range only (etcd's proxy keeps the old answer: etcd-io/etcd#22397).
            await member.PutAsync(ns + fromKey + $"z{round}", "new");
            written.Restart();
            await WaitForAsync(client, Serializable(fromKey, "\0"), "new", Visible, $"{fromKey}z{round}");
        }
    }

    [Fact]
    public async Task ARevisionPinnedRead_IsAnsweredAsAMemberAnswersIt_NotFromTheCache()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={Cluster.ClientEndpoints}"]);
        using var direct = new EtcdClient(Cluster.Members[2].ClientUrl);
        using var client = new EtcdClient($"http://{proxy.ListenAddress}");
        var first = await direct.PutAsync("cache/pinned", "old");
        await direct.PutAsync("cache/pinned", "new");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("new", Assert.Single((await client.GetAsync(Serializable("cache/pinned"))).Kvs).Value.ToStringUtf8());
        }

        var pinned = new RangeRequest(Serializable("cache/pinned")) { Revision = first.Header.Revision };
        var through = await client.GetAsync(pinned);
        var fromMember = await direct.GetAsync(pinned);
        Assert.Equal("old", Assert.Single(through.Kvs).Value.ToStringUtf8());
        Assert.Equal(fromMember.Kvs, through.Kvs);
        Assert.Equal(fromMember.Count, through.Count);
    }

    /// <summary>Reads through the proxy until the answer holds <paramref name="value"/> (under <paramref name="key"/>, or any key); fails after <paramref name="within"/>.</summary>
    private static async Task WaitForAsync(EtcdClient client, RangeRequest request, string value, TimeSpan within, string? key = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var answer = await client.GetAsync(request);
            if (answer.Kvs.Any(kv => kv.Value.ToStringUtf8() == value && (key is null || kv.Key.ToStringUtf8() == key)))
            {
                return;
            }

            Assert.True(clock.Elapsed < within, $"{request.Key.ToStringUtf8()} showed no {value} after {clock.Elapsed.TotalMilliseconds:F0} ms");
            await Task.Delay(20);
        }
    }
}
