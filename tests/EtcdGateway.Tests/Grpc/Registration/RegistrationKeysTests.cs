using EtcdGateway.Grpc.Registration;

namespace EtcdGateway.Tests.Grpc.Registration;

/// <summary>Key naming under --resolver-prefix, as etcd's proxy and endpoints manager name and read them.</summary>
public sealed class RegistrationKeysTests
{
    [Theory]
    [InlineData("/proxies", "127.0.0.1:23790", "/proxies/127.0.0.1:23790")]
    [InlineData("proxies", "https://p.example:443", "proxies/https://p.example:443")]
    [InlineData("/proxies/", "10.0.0.1:23790", "/proxies//10.0.0.1:23790")]
    public void For_JoinsPrefixAndAddressWithASlash(string prefix, string address, string key) =>
        Assert.Equal(key, RegistrationKeys.For(prefix, address));

    [Fact]
    public void Range_CoversEveryKeyUnderPrefixSlash_AndNothingElse()
    {
        var start = RegistrationKeys.RangeStart("/proxies").ToStringUtf8();
        var end = RegistrationKeys.RangeEnd("/proxies").ToStringUtf8();
        Assert.Equal(("/proxies/", "/proxies0"), (start, end));

        bool InRange(string key) => string.CompareOrdinal(key, start) >= 0 && string.CompareOrdinal(key, end) < 0;
        Assert.True(InRange(RegistrationKeys.For("/proxies", "127.0.0.1:23790")));
        Assert.True(InRange("/proxies/\u00ff"));
        Assert.False(InRange("/proxies"));
        Assert.False(InRange("/proxies-other/127.0.0.1:23790"));
        Assert.False(InRange("/proxies0"));
    }

    [Fact]
    public void Options_RegisterOnlyWithPrefixAndAddress()
    {
        Assert.True(new ProxyRegistrationOptions("127.0.0.1:23790", "/p", TimeSpan.FromSeconds(5), "h").Registers);
        Assert.False(new ProxyRegistrationOptions("127.0.0.1:23790", "", TimeSpan.Zero, "h").Registers);
        Assert.False(new ProxyRegistrationOptions("", "", TimeSpan.Zero, "h").Registers);
        Assert.Equal("/p/127.0.0.1:23790", new ProxyRegistrationOptions("127.0.0.1:23790", "/p", TimeSpan.FromSeconds(5), "h").Key);
    }
}
