using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

public class DnsSearchListTests
{
    [Theory]
    [InlineData("etcd", 1, "etcd.a.test etcd.b.test etcd")] // fewer dots than ndots: suffixes first
    [InlineData("etcd.x", 1, "etcd.x etcd.x.a.test etcd.x.b.test")] // enough dots: as written first
    [InlineData("etcd.x", 2, "etcd.x.a.test etcd.x.b.test etcd.x")]
    [InlineData("etcd", 0, "etcd etcd.a.test etcd.b.test")]
    [InlineData("etcd.x.", 5, "etcd.x")] // fully qualified: only as written
    [InlineData("_etcd-client._tcp.example.com", 1, "_etcd-client._tcp.example.com _etcd-client._tcp.example.com.a.test _etcd-client._tcp.example.com.b.test")]
    public void Candidates_FollowGlibcOrder(string name, int ndots, string expected) =>
        Assert.Equal(expected.Split(' '), DnsSearchList.Candidates(name, ["a.test", "b.test"], ndots));

    [Fact]
    public void WithoutASearchList_TheNameIsTriedAsWritten() =>
        Assert.Equal(["etcd"], DnsSearchList.Candidates("etcd", [], 1));

    [Fact]
    public void SuffixedNamesTooLongToQuery_AreLeftOut()
    {
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 60), 4));
        Assert.Equal([longName], DnsSearchList.Candidates(longName, ["example.com"], 1));
    }
}
