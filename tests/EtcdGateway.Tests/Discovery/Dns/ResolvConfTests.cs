using System.Net;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

public class ResolvConfTests
{
    public static TheoryData<string, string, string, int, int, int> Files => new()
    {
        // text, nameservers, search, timeout seconds, attempts, ndots
        { "", "127.0.0.1:53", "", 5, 2, 1 },
        { "# only a comment\n", "127.0.0.1:53", "", 5, 2, 1 },
        { "nameserver 10.0.0.1\nnameserver ::1\n", "10.0.0.1:53 [::1]:53", "", 5, 2, 1 },
        { "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n", "10.0.0.1:53 10.0.0.2:53 10.0.0.3:53", "", 5, 2, 1 },
        { "nameserver\t10.0.0.1   \r\n  nameserver 10.0.0.2 # the backup\n", "10.0.0.1:53 10.0.0.2:53", "", 5, 2, 1 },
        { "nameserver fe80::1%2\n", "[fe80::1%2]:53", "", 5, 2, 1 },
        { "nameserver dns.example.com\nnameserver 010.0.0.1\nnameserver 10.0.0.256\nnameserver\nnameserver 10.0.0.9\n", "10.0.0.9:53", "", 5, 2, 1 },
        { "#nameserver 10.0.0.1\n;nameserver 10.0.0.2\nnameserver 10.0.0.3;old\n", "10.0.0.3:53", "", 5, 2, 1 },
        { "search a.example b.example.\n", "127.0.0.1:53", "a.example b.example", 5, 2, 1 },
        { "search a.example b.example\ndomain c.example\n", "127.0.0.1:53", "c.example", 5, 2, 1 },
        { "domain c.example\nsearch a.example b.example\n", "127.0.0.1:53", "a.example b.example", 5, 2, 1 },
        { "domain c.example d.example\n", "127.0.0.1:53", "c.example", 5, 2, 1 },
        { "search a.example\nsearch .\n", "127.0.0.1:53", "", 5, 2, 1 },
        { "options timeout:3 attempts:4 ndots:2\n", "127.0.0.1:53", "", 3, 4, 2 },
        { "options rotate edns0\noptions ndots:3 single-request\n", "127.0.0.1:53", "", 5, 2, 3 },
        { "options timeout:99 attempts:9 ndots:20\n", "127.0.0.1:53", "", 30, 5, 15 },
        { "options timeout:0 attempts:0 ndots:0\n", "127.0.0.1:53", "", 1, 1, 0 },
        { "options timeout:99999999999 ndots:-1 attempts:x timeout: attempts:3x\n", "127.0.0.1:53", "", 30, 2, 1 },
        { "garbage\n\0\u00ff\nnameserver 10.0.0.1 10.0.0.2\nsearch\n", "10.0.0.1:53", "", 5, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Parse_ReadsFilesAsGlibcDoes(string text, string nameservers, string search, int timeoutSeconds, int attempts, int ndots)
    {
        var conf = ResolvConf.Parse(text);

        Assert.Equal(nameservers, string.Join(' ', conf.Nameservers));
        Assert.Equal(search, string.Join(' ', conf.Search));
        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds), conf.Timeout);
        Assert.Equal(attempts, conf.Attempts);
        Assert.Equal(ndots, conf.Ndots);
    }

    [Fact]
    public void NameserverWithAZoneNetCannotResolve_KeepsTheAddress()
    {
        var nameserver = Assert.Single(ResolvConf.Parse("nameserver fe80::1%no-such-interface0\n").Nameservers);
        Assert.Equal(IPAddress.Parse("fe80::1").GetAddressBytes(), nameserver.Address.GetAddressBytes());
        Assert.Equal(53, nameserver.Port);
    }

    [Fact]
    public void MissingFile_GivesTheDefaults()
    {
        var conf = ResolvConf.Load(Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "resolv.conf"));

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], conf.Nameservers);
        Assert.Empty(conf.Search);
        Assert.Equal((TimeSpan.FromSeconds(5), 2, 1), (conf.Timeout, conf.Attempts, conf.Ndots));
    }

    [Fact]
    public void File_IsRead()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "nameserver 192.0.2.53\nsearch example.test\n");
            var conf = ResolvConf.Load(path);
            Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.53"), 53)], conf.Nameservers);
            Assert.Equal(["example.test"], conf.Search);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
