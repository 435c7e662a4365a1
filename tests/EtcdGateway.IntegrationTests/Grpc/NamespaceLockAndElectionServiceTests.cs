using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ElectionApi = EtcdGateway.Protos.V3electionpb.Election;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;
using LockApi = EtcdGateway.Protos.V3lockpb.Lock;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// etcd's v3lock and v3election services (what jetcd, dotnet-etcd and the JSON gateway use; etcdctl lock and elect build
/// the same on KV instead) through <c>--namespace=ns/</c>. etcd's proxy leaves them outside its namespace; here lock
/// names and election names are keys of the namespace like any other.
/// </summary>
public sealed class NamespaceLockAndElectionServiceTests(NamespacedProxyFixture fixture) : IClassFixture<NamespacedProxyFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly GrpcChannel _proxy = GrpcChannel.ForAddress($"http://{fixture.Proxy.ListenAddress}");
    private readonly GrpcChannel _direct = GrpcChannel.ForAddress($"http://{fixture.Cluster.Members[0].ClientAddress}");

    public void Dispose()
    {
        _proxy.Dispose();
        _direct.Dispose();
    }

    [Fact]
    public async Task Lock_Takes_Its_Key_In_The_Namespace_And_Unlock_Releases_It()
    {
        var lease = await GrantAsync(_proxy);
        var locked = await new LockApi.LockClient(_proxy).LockAsync(new LockRequest { Name = Bytes("svc-lock"), Lease = lease }, Deadline());

        var key = locked.Key.ToStringUtf8();
        Assert.Equal($"svc-lock/{lease:x}", key);
        Assert.Equal(1, (await RangeAsync(_direct, "ns/" + key)).Count);
        Assert.Equal(0, (await RangeAsync(_direct, key)).Count);

        await new LockApi.LockClient(_proxy).UnlockAsync(new UnlockRequest { Key = locked.Key }, Deadline());
        Assert.Equal(0, (await RangeAsync(_direct, "ns/" + key)).Count);
    }

    [Fact]
    public async Task A_Lock_Held_Outside_The_Namespace_Is_Another_Lock()
    {
        // Held directly on the cluster under the same name: with etcd's proxy the proxy's lock would wait for it.
        var outsideLease = await GrantAsync(_direct);
        var outside = await new LockApi.LockClient(_direct).LockAsync(new LockRequest { Name = Bytes("shared-name"), Lease = outsideLease }, Deadline());
        try
        {
            var insideLease = await GrantAsync(_proxy);
            var inside = await new LockApi.LockClient(_proxy).LockAsync(
                new LockRequest { Name = Bytes("shared-name"), Lease = insideLease }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5)));
            Assert.Equal($"shared-name/{insideLease:x}", inside.Key.ToStringUtf8());
            await new LockApi.LockClient(_proxy).UnlockAsync(new UnlockRequest { Key = inside.Key }, Deadline());
        }
        finally
        {
            await new LockApi.LockClient(_direct).UnlockAsync(new UnlockRequest { Key = outside.Key }, Deadline());
        }
    }

    [Fact]
    public async Task Unlock_Without_A_Key_Is_Refused_As_The_Cluster_Refuses_An_Empty_Key()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new LockApi.LockClient(_proxy).UnlockAsync(new UnlockRequest(), Deadline()));
        Assert.Equal((StatusCode.InvalidArgument, "etcdserver: key is not provided"), (e.StatusCode, e.Status.Detail));
    }

    [Fact]
    public async Task Election_Runs_In_The_Namespace_From_Campaign_To_Resign()
    {
        var election = new ElectionApi.ElectionClient(_proxy);
        var lease = await GrantAsync(_proxy);

        var campaign = await election.CampaignAsync(new CampaignRequest { Name = Bytes("svc-election"), Lease = lease, Value = Bytes("v1") }, Deadline());
        var leader = campaign.Leader;
        Assert.Equal(("svc-election", $"svc-election/{lease:x}"), (leader.Name.ToStringUtf8(), leader.Key.ToStringUtf8()));
        Assert.Equal(1, (await RangeAsync(_direct, "ns/" + leader.Key.ToStringUtf8())).Count);

        using var observe = election.Observe(new LeaderRequest { Name = Bytes("svc-election") }, new CallOptions(deadline: DateTime.UtcNow.Add(Timeout)));
        Assert.True(await observe.ResponseStream.MoveNext());
        Assert.Equal((leader.Key, "v1"), (observe.ResponseStream.Current.Kv.Key, observe.ResponseStream.Current.Kv.Value.ToStringUtf8()));

        await election.ProclaimAsync(new ProclaimRequest { Leader = leader, Value = Bytes("v2") }, Deadline());
        var now = await election.LeaderAsync(new LeaderRequest { Name = Bytes("svc-election") }, Deadline());
        Assert.Equal((leader.Key, "v2"), (now.Kv.Key, now.Kv.Value.ToStringUtf8()));
        Assert.True(await observe.ResponseStream.MoveNext());
        Assert.Equal((leader.Key, "v2"), (observe.ResponseStream.Current.Kv.Key, observe.ResponseStream.Current.Kv.Value.ToStringUtf8()));

        await election.ResignAsync(new ResignRequest { Leader = leader }, Deadline());
        Assert.Equal(0, (await RangeAsync(_direct, "ns/svc-election/", prefix: true)).Count);
    }

    [Fact]
    public async Task A_Missing_Key_Gets_The_Status_The_Cluster_Gives()
    {
        // etcd's proxy answers Unknown here; a member answers InvalidArgument, and so does this proxy.
        var direct = await Assert.ThrowsAsync<RpcException>(async () => await new KV.KVClient(_direct).PutAsync(new PutRequest { Value = Bytes("v") }, Deadline()));
        var proxied = await Assert.ThrowsAsync<RpcException>(async () => await new KV.KVClient(_proxy).PutAsync(new PutRequest { Value = Bytes("v") }, Deadline()));
        Assert.Equal((direct.StatusCode, direct.Status.Detail), (proxied.StatusCode, proxied.Status.Detail));
        Assert.Equal(StatusCode.InvalidArgument, proxied.StatusCode);
    }

    [Fact]
    public async Task Count_Only_Counts_The_Namespaces_Keys_Only()
    {
        var kv = new KV.KVClient(_direct);
        foreach (var key in new[] { "ns/count/a", "ns/count/b", "count/outside", "ns/count" })
        {
            await kv.PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes("v") }, Deadline());
        }

        var counted = await new KV.KVClient(_proxy).RangeAsync(
            new RangeRequest { Key = Bytes("count"), RangeEnd = Bytes("counu"), CountOnly = true }, Deadline());
        var inside = await RangeAsync(_direct, "ns/count", prefix: true);
        Assert.Equal((inside.Count, 0), (counted.Count, counted.Kvs.Count));
        Assert.Equal(3, counted.Count);
    }

    private static async Task<long> GrantAsync(GrpcChannel channel) =>
        (await new LeaseApi.LeaseClient(channel).LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 }, Deadline())).ID;

    private static async Task<RangeResponse> RangeAsync(GrpcChannel channel, string key, bool prefix = false)
    {
        var request = new RangeRequest { Key = Bytes(key), CountOnly = true };
        if (prefix)
        {
            var end = key.ToCharArray();
            end[^1]++;
            request.RangeEnd = Bytes(new string(end));
        }

        return await new KV.KVClient(channel).RangeAsync(request, Deadline());
    }

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.Add(Timeout));
}
