using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>Leases through <c>--namespace=ns/</c>: a lease is the cluster's; only the keys attached to it are translated.</summary>
public class KeySpaceLeaseTests
{
    private static readonly KeySpace Ns = KeySpace.Of("ns/");

    [Fact]
    public void TimeToLive_Shows_Only_The_Attached_Keys_Inside_The_Namespace_Stripped()
    {
        var answer = new LeaseTimeToLiveResponse
        {
            ID = 0x694d, TTL = 55, GrantedTTL = 60,
            Keys = { Key("ns/a"), Key("other/b"), Key("ns/c/d"), Key("ns"), Key("ns/"), Key("") },
        };

        var shown = Ns.ToClient(answer);

        Assert.Equal(["a", "c/d"], shown.Keys.Select(Text));
        Assert.Equal((0x694dL, 55L, 60L), (shown.ID, shown.TTL, shown.GrantedTTL));
        Assert.Equal(6, answer.Keys.Count);
    }

    [Fact]
    public void TimeToLive_With_Every_Key_Outside_Shows_None()
    {
        Assert.Empty(Ns.ToClient(new LeaseTimeToLiveResponse { ID = 1, Keys = { Key("x"), Key("y") } }).Keys);
    }

    [Fact]
    public void TimeToLive_Without_Keys_Is_Handed_Back_As_It_Is()
    {
        var answer = new LeaseTimeToLiveResponse { ID = 1, TTL = -1 };
        Assert.Same(answer, Ns.ToClient(answer));
    }
}
