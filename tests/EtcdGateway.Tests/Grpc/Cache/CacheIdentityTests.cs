using EtcdGateway.Grpc.Cache;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Cache;

public class CacheIdentityTests
{
    [Fact]
    public void A_Call_Without_Credentials_Is_The_Anonymous_Caller_Whatever_Else_It_Sends()
    {
        Assert.Same(CacheIdentity.Anonymous, CacheIdentity.Of([]));
        Assert.Same(CacheIdentity.Anonymous, CacheIdentity.Of(new Metadata { { "hasleader", "true" }, { "user-agent", "etcdctl" } }));
    }

    [Fact]
    public void Callers_Are_Told_Apart_By_Token_Or_Authorization_And_Keep_Them_For_Their_Watch()
    {
        var alice = CacheIdentity.Of(new Metadata { { "token", "alice.1" } });
        var aliceAgain = CacheIdentity.Of(new Metadata { { "Token", "alice.1" }, { "hasleader", "true" } });
        var aliceNewToken = CacheIdentity.Of(new Metadata { { "token", "alice.2" } });
        var bearer = CacheIdentity.Of(new Metadata { { "authorization", "alice.1" } });

        Assert.Equal(alice, aliceAgain);
        Assert.NotEqual(alice, aliceNewToken);
        Assert.NotEqual(alice, bearer);
        Assert.NotEqual(CacheIdentity.Anonymous, alice);
        Assert.Equal("alice.1", Assert.Single(alice.Headers).Value);
        Assert.Equal("authorization", Assert.Single(bearer.Headers).Key);
    }
}
