using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Watches through the proxy with etcd's auth on: each client watcher's permission is checked with its own token (a
/// refusal as etcd gives it), and the shared cluster watcher does not depend on the token of the client that made it:
/// once that token is no longer valid and the watcher must be created again on another member, another client's is used.
/// </summary>
public sealed class WatchAuthTests
{
    private const string Watched = "authw/k";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Each_Watcher_Is_Checked_With_Its_Own_Token_And_The_Shared_Watcher_Outlives_The_First_Token()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        foreach (var args in new[]
        {
            ["user", "add", "root:rootpw"], ["role", "add", "root"], ["user", "grant-role", "root", "root"],
            ["role", "add", "reader"], ["role", "grant-permission", "reader", "read", "authw/", "--prefix"],
            ["user", "add", "alice:alicepw"], ["user", "grant-role", "alice", "reader"],
            ["user", "add", "carol:carolpw"], ["user", "grant-role", "carol", "reader"],
            ["user", "add", "bob:bobpw"], new[] { "auth", "enable" },
        })
        {
            var result = await Etcdctl.RunAsync(cluster.Members[0].ClientAddress, args, Timeout);
            Assert.True(result.Succeeded, result.ToString());
        }

        var clock = Stopwatch.StartNew();
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var root = await TokenAsync(direct, "root", "rootpw");
        var create = new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(Watched) } };

        // :: bob may not read the key: refused as etcd refuses him, the same response from the proxy and from a member.
        var bob = await TokenAsync(direct, "bob", "bobpw");
        var refusals = new List<string>();
        foreach (var target in new[] { direct, channel })
        {
            using var stream = WatchRecorder.Open(target, clock, bob);
            await stream.SendAsync(create);
            var refused = (await stream.WaitForAsync(r => r.Created, Timeout)).Response;
            refusals.Add($"{refused.WatchId} {refused.Canceled} {refused.CancelReason}");
        }

        Assert.Equal(refusals[0], refusals[1]);
        Assert.Equal("-1 True rpc error: code = PermissionDenied desc = etcdserver: permission denied", refusals[1]);

        // :: alice's watcher makes the shared cluster watcher (with her token); carol's joins it.
        using var alice = WatchRecorder.Open(channel, clock, await TokenAsync(direct, "alice", "alicepw"));
        await alice.SendAsync(create);
        var created = (await alice.WaitForAsync(r => r.Created && !r.Canceled, Timeout)).Response;
        using var carol = WatchRecorder.Open(channel, clock, await TokenAsync(direct, "carol", "carolpw"));
        await carol.SendAsync(create);
        await carol.WaitForAsync(r => r.Created && !r.Canceled, Timeout);

        // :: alice's token stops being valid (etcd drops a user's tokens when the password changes), then the member
        // holding the shared watcher dies: it is created again elsewhere, with carol's token.
        var auth = new Auth.AuthClient(direct);
        await auth.UserChangePasswordAsync(new AuthUserChangePasswordRequest { Name = "alice", Password = "changed" }, root);
        var holder = await MemberIndexAsync(cluster, created.Header.MemberId);
        await cluster.MoveLeaderAwayFromAsync(holder);
        cluster.Kill(holder);
        using var writeChannel = GrpcChannel.ForAddress($"http://{cluster.Members[(holder + 1) % 3].ClientAddress}");
        var kv = new KV.KVClient(writeChannel);
        var written = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            written.Add((await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(Watched), Value = ByteString.CopyFromUtf8($"{i}") }, root)).Header.Revision);
        }

        await carol.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == written[^1]), Timeout);
        Assert.Equal(written, carol.Received.SelectMany(r => r.Response.Events.Select(e => e.Kv.ModRevision)));
        Assert.Null(carol.Error);
        Assert.DoesNotContain(carol.Received, r => r.Response.Canceled);
    }

    private static async Task<Metadata> TokenAsync(GrpcChannel channel, string user, string password)
    {
        var answer = await new Auth.AuthClient(channel).AuthenticateAsync(new AuthenticateRequest { Name = user, Password = password });
        return new Metadata { { "token", answer.Token } };
    }

    private static async Task<int> MemberIndexAsync(EtcdCluster cluster, ulong memberId)
    {
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var list = await new Cluster.ClusterClient(direct).MemberListAsync(new MemberListRequest());
        var member = list.Members.Single(m => m.ID == memberId);
        return cluster.Members.Select((m, i) => (m, i)).Single(p => member.ClientURLs.Contains($"http://{p.m.ClientAddress}")).i;
    }
}
