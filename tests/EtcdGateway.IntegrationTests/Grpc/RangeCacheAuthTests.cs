using System.Diagnostics;
using dotnet_etcd;
using EtcdGateway.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using AuthenticateRequest = Etcdserverpb.AuthenticateRequest;
using RangeRequest = Etcdserverpb.RangeRequest;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The Range cache with auth on (root, alice and bob with roles of their own): a cached answer is never given to a caller
/// the cluster would refuse (etcd's proxy gives bob alice's secret: etcd-io/etcd#22065), and a permission revoked from
/// the cluster stops the cached answers within the cache's entry TTL. Its own cluster: enabling auth changes it.
/// </summary>
public class RangeCacheAuthTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static RangeRequest Serializable(string key) => new() { Key = ByteString.CopyFromUtf8(key), Serializable = true };

    [Fact]
    public async Task UsersWithDifferentPermissions_NeverSeeEachOthersCachedAnswers()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        var direct = cluster.Members[1].ClientAddress;

        await Ok(direct, "user", "add", "root:rootpw");
        await Ok(direct, "user", "grant-role", "root", "root");
        await Ok(direct, "role", "add", "alices");
        await Ok(direct, "role", "grant-permission", "alices", "readwrite", "alice/", "--prefix=true");
        await Ok(direct, "role", "add", "bobs");
        await Ok(direct, "role", "grant-permission", "bobs", "readwrite", "bob/", "--prefix=true");
        await Ok(direct, "user", "add", "alice:alicepw");
        await Ok(direct, "user", "grant-role", "alice", "alices");
        await Ok(direct, "user", "add", "bob:bobpw");
        await Ok(direct, "user", "grant-role", "bob", "bobs");
        await Ok(direct, "auth", "enable");
        await Ok(direct, "--user=root:rootpw", "put", "alice/secret", "s3cret");
        await Ok(direct, "--user=root:rootpw", "put", "bob/note", "hello");

        using var through = new EtcdClient($"http://{proxy.ListenAddress}");
        using var member = new EtcdClient(cluster.Members[1].ClientUrl);
        var alice = await TokenAsync(through, "alice", "alicepw");
        var bob = await TokenAsync(through, "bob", "bobpw");

        // :: Each reads its own, many times: answered from the cache.
        var hits = await Hits(admin);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("s3cret", Assert.Single((await through.GetAsync(Serializable("alice/secret"), alice)).Kvs).Value.ToStringUtf8());
            Assert.Equal("hello", Assert.Single((await through.GetAsync(Serializable("bob/note"), bob)).Kvs).Value.ToStringUtf8());
        }

        // Most, not all: each answer is read again once a second (the entry TTL), and a loaded machine makes the loop slow.
        Assert.True(await Hits(admin) - hits >= 50, "the answers came from the cache");

        // :: Each asks for the other's key, exactly as cached for the other: refused as a member refuses it.
        foreach (var (asker, key) in new[] { (bob, "alice/secret"), (alice, "bob/note"), ([], "alice/secret") })
        {
            var expected = await Assert.ThrowsAsync<RpcException>(() => member.GetAsync(Serializable(key), asker));
            for (var i = 0; i < 5; i++)
            {
                var refused = await Assert.ThrowsAsync<RpcException>(() => through.GetAsync(Serializable(key), asker));
                Assert.Equal(expected.StatusCode, refused.StatusCode);
                Assert.Equal(expected.Status.Detail, refused.Status.Detail);
            }
        }

        var bobThrough = await Etcdctl.RunAsync(proxy.ListenAddress, ["--user=bob:bobpw", "get", "alice/secret", "--consistency=s"], Timeout);
        var bobDirect = await Etcdctl.RunAsync(direct, ["--user=bob:bobpw", "get", "alice/secret", "--consistency=s"], Timeout);
        Assert.False(bobThrough.Succeeded, bobThrough.ToString());
        Assert.DoesNotContain("s3cret", bobThrough.StdOut, StringComparison.Ordinal);
        Assert.Equal(LastLine(bobDirect.StdErr), LastLine(bobThrough.StdErr));

        // :: alice loses her role at the cluster, not through the proxy: her cached answer stops within the entry TTL (1 s).
        await Ok(direct, "--user=root:rootpw", "user", "revoke-role", "alice", "alices");
        var revoked = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await through.GetAsync(Serializable("alice/secret"), alice);
                Assert.True(revoked.Elapsed < TimeSpan.FromSeconds(2), "alice still read her secret 2 s after her role was revoked");
                await Task.Delay(50);
            }
            catch (RpcException e)
            {
                Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
                break;
            }
        }
    }

    private static async Task<Metadata> TokenAsync(EtcdClient client, string user, string password)
    {
        var answer = await client.AuthenticateAsync(new AuthenticateRequest { Name = user, Password = password });
        return new Metadata { { "token", answer.Token } };
    }

    private static Task<double> Hits(string admin) => MemberMetrics.SumAsync($"{admin}/metrics", "etcd_grpc_proxy_cache_hits_total");

    private static string LastLine(string text) => text.Trim().Split('\n')[^1];

    private static async Task Ok(string endpoint, params string[] args)
    {
        var result = await Etcdctl.RunAsync(endpoint, args, Timeout);
        Assert.True(result.Succeeded, $"etcdctl {string.Join(' ', args)} via {endpoint}: {result}");
    }
}
