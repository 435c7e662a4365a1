using EtcdGateway.Discovery;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Discovery;

public class MemberListParserTests
{
    // As etcd 3.4 answers POST /v3/cluster/member/list (uint64 fields as strings, as its JSON gateway writes them).
    private const string ThreeMembers = """
        {"header":{"cluster_id":"611546933861659932","member_id":"730425100132385309","raft_term":"2"},"members":[
         {"ID":"730425100132385309","name":"m0","peerURLs":["http://127.0.0.1:50380"],"clientURLs":["http://127.0.0.1:50379"]},
         {"ID":"1901530595167949088","name":"m1","peerURLs":["http://127.0.0.1:51380"],"clientURLs":["https://infra1.example.com:2379","http://127.0.0.1:51379"]},
         {"ID":"9686845212206760991","name":"","peerURLs":["http://127.0.0.1:52380"]},
         {"ID":"42","name":"l","peerURLs":["http://127.0.0.1:53380"],"clientURLs":["http://127.0.0.1:53379"],"isLearner":true}]}
        """;

    [Fact]
    public void ClientUrls_BecomeEndpoints_StartedVotersOnly()
    {
        var addresses = MemberListParser.Parse(ThreeMembers);
        Assert.Equal(["127.0.0.1:50379", "infra1.example.com:2379", "127.0.0.1:51379"], addresses.Select(a => a.ToString()));
        Assert.True(addresses[1].Tls);
        Assert.False(addresses[0].Tls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"members\":3}")]
    [InlineData("<html>")]
    public void NotAMemberList_IsAFormatException(string body) =>
        Assert.Throws<FormatException>(() => MemberListParser.Parse(body));

    [Fact]
    public void BadUrls_AreSkipped() =>
        Assert.Equal(["127.0.0.1:1"], MemberListParser.Parse("""{"members":[{"clientURLs":["unix://x","host:abc","http://127.0.0.1:1", 7]}]}""").Select(a => a.ToString()));

    [Fact]
    public void MutatedInput_NeverThrowsAnythingButFormatException()
    {
        var random = new Random(2379);
        var seed = System.Text.Encoding.UTF8.GetBytes(ThreeMembers);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = (byte[])seed.Clone();
            for (var m = random.Next(1, 8); m > 0; m--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            try
            {
                _ = MemberListParser.Parse(System.Text.Encoding.UTF8.GetString(bytes));
            }
            catch (FormatException)
            {
            }
        }
    }
}
