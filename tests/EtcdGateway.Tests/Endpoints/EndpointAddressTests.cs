using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

public class EndpointAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:2379", "127.0.0.1", 2379, EndpointParseNotes.None)]
    [InlineData("infra0.example.com:12379", "infra0.example.com", 12379, EndpointParseNotes.None)]
    [InlineData("[::1]:2379", "::1", 2379, EndpointParseNotes.None)]
    [InlineData("[fe80::1%2]:2379", "fe80::1%2", 2379, EndpointParseNotes.None)]
    [InlineData("infra0.example.com", "infra0.example.com", 2379, EndpointParseNotes.DefaultPortAssumed)]
    [InlineData("[::1]", "::1", 2379, EndpointParseNotes.DefaultPortAssumed)]
    [InlineData("http://10.0.0.1:2379", "10.0.0.1", 2379, EndpointParseNotes.SchemeStripped)]
    [InlineData("https://infra1.example.com:2379/", "infra1.example.com", 2379, EndpointParseNotes.SchemeStripped | EndpointParseNotes.Https)]
    [InlineData("HTTPS://infra1.example.com", "infra1.example.com", 2379, EndpointParseNotes.SchemeStripped | EndpointParseNotes.DefaultPortAssumed | EndpointParseNotes.Https)]
    [InlineData("srv-target.example.com.:2379", "srv-target.example.com.", 2379, EndpointParseNotes.None)]
    [InlineData("localhost:1", "localhost", 1, EndpointParseNotes.None)]
    [InlineData("h:65535", "h", 65535, EndpointParseNotes.None)]
    internal void TryParse_Accepts(string text, string host, int port, EndpointParseNotes notes)
    {
        Assert.True(EndpointAddress.TryParse(text, out var address, out var error, out var actualNotes), error);
        Assert.Equal(new EndpointAddress(host, port) { Tls = notes.HasFlag(EndpointParseNotes.Https) }, address);
        Assert.Equal(notes, actualNotes);
    }

    [Theory]
    [InlineData("host:abc", "port \"abc\" is not a number")]
    [InlineData("host:70000", "out of range")]
    [InlineData("host:0", "out of range")]
    [InlineData("host:-1", "not a number")]
    [InlineData("host:", "missing port")]
    [InlineData(":2379", "missing host")]
    [InlineData("::1:2379", "too many colons")]
    [InlineData("[::1", "missing ']'")]
    [InlineData("[::1]x", "unexpected text")]
    [InlineData("[1.2.3.4]:1", "not an IPv6 address")]
    [InlineData("unix://sock", "unsupported scheme")]
    [InlineData("bad host:1", "not a valid host")]
    [InlineData("-bad:1", "not a valid host")]
    [InlineData("", "empty endpoint")]
    [InlineData("2379", "not a valid host")]
    [InlineData("127.1:2379", "not a valid host")]
    [InlineData("010.0.0.1:2379", "not a valid host")]
    [InlineData("1.2.3.256:1", "not a valid host")]
    public void TryParse_Rejects(string text, string reason)
    {
        Assert.False(EndpointAddress.TryParse(text, out _, out var error, out _));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1%2", true)]
    [InlineData("2379", false)] // inet_aton would make this 0.0.9.75
    [InlineData("010.0.0.1", false)] // and this 8.0.0.1 (octal)
    [InlineData("0x7f.0.0.1", false)]
    [InlineData("127.1", false)]
    [InlineData("infra0", false)]
    public void TryParseIPLiteral_TakesOnlyWhatGoTakes(string text, bool isLiteral) =>
        Assert.Equal(isLiteral, EndpointAddress.TryParseIPLiteral(text, out _));

    [Theory]
    [InlineData("::1", 2379, "[::1]:2379")]
    [InlineData("127.0.0.1", 2379, "127.0.0.1:2379")]
    [InlineData("infra0", 12379, "infra0:12379")]
    public void ToString_BracketsIPv6(string host, int port, string expected) =>
        Assert.Equal(expected, new EndpointAddress(host, port).ToString());
}
