using System.Net;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

public class DnsResolverOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData(" 10.0.0.2:1 ", "10.0.0.2:1")]
    [InlineData("[::1]:53", "[::1]:53")]
    [InlineData("[::1]", "[::1]:53")]
    [InlineData("[fd00::53]:65535", "[fd00::53]:65535")]
    public void TryParseServer_Accepts(string text, string expected)
    {
        Assert.True(DnsResolverOptions.TryParseServer(text, out var server, out var error), error);
        Assert.Equal(expected, server.ToString());
        Assert.Equal("", error);
    }

    [Theory]
    [InlineData("", "empty DNS server address")]
    [InlineData("dns.example.com:53", "\"dns.example.com\" is not an IP address")]
    [InlineData("::1", "write IPv6 addresses in brackets")]
    [InlineData("::1:53", "too many colons")]
    [InlineData("127.0.0.1:0", "port 0 is out of range 1-65535")]
    [InlineData("127.0.0.1:x", "port \"x\" is not a number")]
    [InlineData("127.0.0.1:", "missing port")]
    [InlineData("[::1", "missing ']'")]
    [InlineData("[::1]53", "unexpected text after ']'")]
    [InlineData("[1.2.3.4]:53", "\"1.2.3.4\" is not an IPv6 address")]
    [InlineData("010.0.0.1", "\"010.0.0.1\" is not an IP address")]
    public void TryParseServer_RejectsWithAReason(string text, string reason)
    {
        Assert.False(DnsResolverOptions.TryParseServer(text, out var server, out var error));
        Assert.Null(server);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void FromResolvConf_TakesEverySetting_AndDnsServersReplaceOnlyTheNameservers()
    {
        var conf = ResolvConf.Parse("nameserver 10.0.0.1\nsearch example.test\noptions timeout:3 attempts:4 ndots:2\n");
        var server = new IPEndPoint(IPAddress.Loopback, 5353);

        var options = DnsResolverOptions.FromResolvConf(conf).WithNameservers([server]);

        Assert.Equal([server], options.Nameservers);
        Assert.Equal(["example.test"], options.Search);
        Assert.Equal((TimeSpan.FromSeconds(3), 4, 2), (options.Timeout, options.Attempts, options.Ndots));
        Assert.Equal(conf.Nameservers, DnsResolverOptions.FromResolvConf(conf).WithNameservers([]).Nameservers);
    }
}
