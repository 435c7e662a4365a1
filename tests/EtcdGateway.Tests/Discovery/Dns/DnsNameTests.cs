using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

public class DnsNameTests
{
    [Theory]
    [InlineData("example.com", "EXAMPLE.com", true)]
    [InlineData("example.com.", "Example.Com", true)]
    [InlineData("_etcd-client._tcp.example.com", "_ETCD-CLIENT._TCP.EXAMPLE.COM.", true)]
    [InlineData("example.com", "example.co", false)]
    [InlineData("a.example.com", "example.com", false)]
    public void Names_CompareWithoutCaseAndTrailingDot(string left, string right, bool equal) =>
        Assert.Equal(equal, DnsName.AreEqual(left, right));

    [Theory]
    [InlineData("etcd", 0)]
    [InlineData("etcd.", 0)]
    [InlineData("etcd.example.com", 2)]
    [InlineData("etcd.example.com.", 2)]
    public void Dots_AreCountedWithoutTheTrailingOne(string name, int dots) => Assert.Equal(dots, DnsName.CountDots(name));
}
