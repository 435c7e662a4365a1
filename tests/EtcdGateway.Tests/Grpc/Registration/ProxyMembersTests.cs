using EtcdGateway.Grpc.Registration;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Tests.Grpc.Registration;

/// <summary>MemberList's shape with an advertise URL: the registered proxies as etcd's proxy lists them, or the proxy itself.</summary>
public sealed class ProxyMembersTests
{
    private static readonly ProxyRegistrationOptions Self = new("10.0.0.9:23790", "/proxies", TimeSpan.FromSeconds(10), "self-host");
    private static readonly ResponseHeader Header = new() { ClusterId = 11, MemberId = 22, Revision = 33, RaftTerm = 4 };

    [Fact]
    public void FromRegistrations_ListsEachProxy_NamedAsRegistered_WithItsAddressAsOnlyClientUrl_InKeyOrder()
    {
        var response = ProxyMembers.FromRegistrations(
            [new("/proxies/10.0.0.2:23790", "10.0.0.2:23790", "host-b"), new("/proxies/10.0.0.1:23790", "10.0.0.1:23790", "host-a")], Self, Header);

        Assert.Same(Header, response.Header);
        Assert.Equal(["host-a", "host-b"], response.Members.Select(m => m.Name));
        Assert.Equal(["10.0.0.1:23790"], response.Members[0].ClientURLs);
        Assert.Equal(["10.0.0.2:23790"], response.Members[1].ClientURLs);
        Assert.All(response.Members, m => Assert.Empty(m.PeerURLs));
        Assert.All(response.Members, m => Assert.False(m.IsLearner));
        Assert.Equal(ProxyMembers.MemberIdFor("10.0.0.1:23790"), response.Members[0].ID);
    }

    [Fact]
    public void FromRegistrations_WithNone_IsTheProxyItself()
    {
        var response = ProxyMembers.FromRegistrations([], Self, Header);

        var member = Assert.Single(response.Members);
        Assert.Equal(("self-host", "10.0.0.9:23790"), (member.Name, Assert.Single(member.ClientURLs)));
        Assert.Same(Header, response.Header);
    }

    [Fact]
    public void Itself_IsOneMemberWithTheAdvertisedAddress()
    {
        var member = Assert.Single(ProxyMembers.Itself(Self, Header).Members);
        Assert.Equal(["10.0.0.9:23790"], member.ClientURLs);
        Assert.Equal(ProxyMembers.MemberIdFor("10.0.0.9:23790"), member.ID);
    }

    [Fact]
    public void MemberIdFor_IsStablePerAddress_DistinctAcrossAddresses_AndNeverZero()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => ProxyMembers.MemberIdFor($"10.0.{i / 256}.{i % 256}:23790")).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.DoesNotContain(0UL, ids);
        Assert.Equal(ProxyMembers.MemberIdFor("10.0.0.1:23790"), ProxyMembers.MemberIdFor("10.0.0.1:23790"));
    }
}
