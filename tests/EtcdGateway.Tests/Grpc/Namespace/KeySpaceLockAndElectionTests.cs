using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Mvccpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;
using Grpc.Core;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>
/// Lock and Election through <c>--namespace=ns/</c>. etcd's proxy leaves both unprefixed, so its clients lock and elect
/// in the whole cluster; here their names and keys live in the namespace like every other key, so nothing outside it is
/// seen or touched.
/// </summary>
public class KeySpaceLockAndElectionTests
{
    private static readonly KeySpace Ns = KeySpace.Of("ns/");

    [Fact]
    public void Lock_Takes_Its_Name_In_The_Namespace_And_Shows_The_Key_Stripped()
    {
        var sent = Ns.ToCluster(new LockRequest { Name = Key("job"), Lease = 7 });
        Assert.Equal(("ns/job", 7L), (Text(sent.Name), sent.Lease));

        var shown = Ns.ToClient(new LockResponse { Key = Key("ns/job/694d") });
        Assert.Equal("job/694d", Text(shown.Key));
    }

    [Fact]
    public void Lock_With_An_Empty_Name_Is_Still_In_The_Namespace()
    {
        // etcd locks under name + "/": the empty name is "/", here "ns//".
        Assert.Equal("ns/", Text(Ns.ToCluster(new LockRequest()).Name));
        Assert.Equal("/694d", Text(Ns.ToClient(new LockResponse { Key = Key("ns//694d") }).Key));
    }

    [Fact]
    public void Unlock_Deletes_The_Key_In_The_Namespace()
    {
        Assert.Equal("ns/job/694d", Text(Ns.ToCluster(new UnlockRequest { Key = Key("job/694d") }).Key));
    }

    [Fact]
    public void Unlock_Without_A_Key_Is_Refused_Rather_Than_Deleting_The_Prefix_Alone()
    {
        var e = Assert.Throws<RpcException>(() => Ns.ToCluster(new UnlockRequest()));
        Assert.Equal((StatusCode.InvalidArgument, "etcdserver: key is not provided"), (e.StatusCode, e.Status.Detail));
    }

    [Fact]
    public void A_Lock_Key_Outside_The_Namespace_Is_Never_Shown()
    {
        Assert.True(Ns.ToClient(new LockResponse { Key = Key("other/job/1") }).Key.IsEmpty);
    }

    [Fact]
    public void Campaign_Runs_In_The_Namespace_And_Shows_A_Leader_Key_That_Proclaim_And_Resign_Take_Back()
    {
        var sent = Ns.ToCluster(new CampaignRequest { Name = Key("e"), Lease = 9, Value = Key("me") });
        Assert.Equal(("ns/e", 9L, "me"), (Text(sent.Name), sent.Lease, Text(sent.Value)));

        var clusterLeader = new LeaderKey { Name = sent.Name, Key = Key("ns/e/9"), Rev = 12, Lease = 9 };
        var shown = Ns.ToClient(new CampaignResponse { Leader = clusterLeader }).Leader;
        Assert.Equal(("e", "e/9", 12L, 9L), (Text(shown.Name), Text(shown.Key), shown.Rev, shown.Lease));

        Assert.Equal(clusterLeader, Ns.ToCluster(new ProclaimRequest { Leader = shown, Value = Key("v2") }).Leader);
        Assert.Equal(clusterLeader, Ns.ToCluster(new ResignRequest { Leader = shown }).Leader);
        Assert.Equal("ns/e/9", Text(clusterLeader.Key));
    }

    [Fact]
    public void Campaign_With_An_Empty_Name_Round_Trips()
    {
        var sent = Ns.ToCluster(new CampaignRequest { Lease = 9 });
        var shown = Ns.ToClient(new CampaignResponse { Leader = new LeaderKey { Name = sent.Name, Key = Key("ns//9") } }).Leader;
        Assert.Equal(("", "/9"), (Text(shown.Name), Text(shown.Key)));
    }

    [Fact]
    public void Proclaim_And_Resign_Without_A_Leader_Key_Are_Left_For_The_Election_Service_To_Refuse()
    {
        Assert.Null(Ns.ToCluster(new ProclaimRequest { Value = Key("v") }).Leader);
        Assert.Null(Ns.ToCluster(new ResignRequest()).Leader);
    }

    [Fact]
    public void Proclaim_With_An_Empty_Leader_Key_Is_Refused()
    {
        var e = Assert.Throws<RpcException>(() => Ns.ToCluster(new ProclaimRequest { Leader = new LeaderKey { Name = Key("e") } }));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public void Leader_And_Observe_Ask_By_Name_In_The_Namespace_And_Show_The_Leaders_Kv_Stripped()
    {
        Assert.Equal("ns/e", Text(Ns.ToCluster(new LeaderRequest { Name = Key("e") }).Name));

        var shown = Ns.ToClient(new LeaderResponse { Kv = new KeyValue { Key = Key("ns/e/9"), Value = Key("me"), CreateRevision = 12 } });
        Assert.Equal(("e/9", "me", 12L), (Text(shown.Kv.Key), Text(shown.Kv.Value), shown.Kv.CreateRevision));
    }

    [Fact]
    public void A_Leader_Outside_The_Namespace_Is_Never_Shown()
    {
        Assert.Null(Ns.ToClient(new LeaderResponse { Kv = new KeyValue { Key = Key("other/e/9") } }).Kv);
        var leader = Ns.ToClient(new CampaignResponse { Leader = new LeaderKey { Name = Key("x"), Key = Key("x/9") } }).Leader;
        Assert.True(leader.Name.IsEmpty && leader.Key.IsEmpty);
    }

    [Fact]
    public void A_Leader_Response_Without_A_Leader_Is_Handed_Back_As_It_Is()
    {
        var none = new LeaderResponse();
        Assert.Same(none, Ns.ToClient(none));
    }

    [Fact]
    public void Leader_Of_The_Empty_Election_Name_Is_Asked_In_The_Namespace()
    {
        Assert.Equal("ns/", Text(Ns.ToCluster(new LeaderRequest()).Name));
    }
}
