using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Checks that the test DNS server answers like a real authoritative server before discovery tests rely on it.</summary>
public sealed class DnsmasqServerFixtureTests
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;
    private const ushort TypeSrv = 33;
    private const int NoError = 0;
    private const int NxDomain = 3;
    private const int Refused = 5;

    private static readonly DnsRecords TwoMembers = new()
    {
        Srv =
        [
            new SrvRecord("_etcd-client._tcp.example.test", "m0.example.test", 2379),
            new SrvRecord("_etcd-client._tcp.example.test", "m1.example.test", 2379, Priority: 10, Weight: 5),
        ],
        Hosts =
        [
            new HostRecord("m0.example.test", IPAddress.Loopback, IPAddress.IPv6Loopback),
            new HostRecord("m1.example.test", IPAddress.Parse("127.0.0.2")),
        ],
    };

    [Fact]
    public async Task Serves_srv_and_host_records_over_udp_and_tcp_with_the_configured_ttl()
    {
        await using var dns = await DnsmasqServer.StartAsync(TwoMembers, ttl: TimeSpan.FromSeconds(7));

        var srv = await QueryUdpAsync(dns.Port, "_etcd-client._tcp.example.test", TypeSrv);
        Assert.Equal((NoError, 2, 7u), (srv.Rcode, srv.AnswerCount, srv.FirstTtl));
        var a = await QueryUdpAsync(dns.Port, "m0.example.test", TypeA);
        Assert.Equal((NoError, 1, 7u), (a.Rcode, a.AnswerCount, a.FirstTtl));
        var aaaa = await QueryUdpAsync(dns.Port, "m0.example.test", TypeAaaa);
        Assert.Equal((NoError, 1, 7u), (aaaa.Rcode, aaaa.AnswerCount, aaaa.FirstTtl));
        var srvOverTcp = await QueryTcpAsync(dns.Port, "_etcd-client._tcp.example.test", TypeSrv);
        Assert.Equal((NoError, 2, 7u), (srvOverTcp.Rcode, srvOverTcp.AnswerCount, srvOverTcp.FirstTtl));

        Assert.Equal(2, await dns.WaitForQueryCountAsync("_etcd-client._tcp.example.test", 2, TimeSpan.FromSeconds(5), type: "SRV"));
        Assert.Equal(2, await dns.WaitForQueryCountAsync("m0.example.test", 2, TimeSpan.FromSeconds(5)));
        Assert.Equal(0, dns.QueryCount("m1.example.test"));
    }

    [Fact]
    public async Task Unknown_name_in_a_served_domain_is_nxdomain_and_a_name_outside_is_refused()
    {
        await using var dns = await DnsmasqServer.StartAsync(TwoMembers);

        Assert.Equal(NxDomain, (await QueryUdpAsync(dns.Port, "_etcd-client-ssl._tcp.example.test", TypeSrv)).Rcode);
        Assert.Equal(NxDomain, (await QueryUdpAsync(dns.Port, "m9.example.test", TypeA)).Rcode);
        Assert.Equal(Refused, (await QueryUdpAsync(dns.Port, "m0.elsewhere.test", TypeA)).Rcode);
    }

    [Fact]
    public async Task Restart_keeps_the_port_and_serves_only_the_new_records()
    {
        await using var dns = await DnsmasqServer.StartAsync(TwoMembers);
        var endpoint = dns.Endpoint;
        var replaced = new DnsRecords
        {
            Srv = [new SrvRecord("_etcd-client._tcp.other.test", "m5.other.test", 2379)],
            Hosts = [new HostRecord("m5.other.test", IPAddress.Loopback)],
        };

        await dns.RestartAsync(replaced);

        Assert.Equal(endpoint, dns.Endpoint);
        Assert.True(dns.IsRunning);
        var srv = await QueryUdpAsync(dns.Port, "_etcd-client._tcp.other.test", TypeSrv);
        Assert.Equal((NoError, 1), (srv.Rcode, srv.AnswerCount));
        Assert.Equal(Refused, (await QueryUdpAsync(dns.Port, "_etcd-client._tcp.example.test", TypeSrv)).Rcode);
    }

    [Fact]
    public async Task Stopped_server_leaves_queries_unanswered()
    {
        await using var dns = await DnsmasqServer.StartAsync(TwoMembers);

        await dns.StopAsync();

        Assert.False(dns.IsRunning);
        await Assert.ThrowsAnyAsync<SocketException>(() => QueryUdpAsync(dns.Port, "m0.example.test", TypeA));
    }

    private static async Task<DnsAnswer> QueryUdpAsync(int port, string name, ushort type)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Connect(IPAddress.Loopback, port);
        await udp.SendAsync(BuildQuery(name, type));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            var response = await udp.ReceiveAsync(timeout.Token);
            return Parse(response.Buffer);
        }
        catch (OperationCanceledException)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    // DNS over TCP is the same message behind a two-byte length.
    private static async Task<DnsAnswer> QueryTcpAsync(int port, string name, ushort type)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var query = BuildQuery(name, type);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)query.Length);
        await stream.WriteAsync(length);
        await stream.WriteAsync(query);
        await stream.ReadExactlyAsync(length);
        var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
        await stream.ReadExactlyAsync(response);
        return Parse(response);
    }

    // Header (id, flags with RD, QDCOUNT 1), then the name as length-prefixed labels, QTYPE and QCLASS IN.
    private static byte[] BuildQuery(string name, ushort type)
    {
        var message = new List<byte> { 0x4a, 0x17, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            message.Add((byte)label.Length);
            message.AddRange(Encoding.ASCII.GetBytes(label));
        }

        message.AddRange([0, (byte)(type >> 8), (byte)type, 0, 1]);
        return [.. message];
    }

    // Only what these tests check: RCODE, ANCOUNT and the first answer's TTL. dnsmasq answers with the question
    // copied as sent and compresses each answer's owner name to a two-byte pointer.
    private static DnsAnswer Parse(byte[] response)
    {
        var rcode = response[3] & 0x0f;
        var answerCount = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6));
        var offset = 12;
        while (response[offset] != 0)
        {
            offset += response[offset] + 1;
        }

        offset += 1 + 4;
        uint? ttl = answerCount > 0 && (response[offset] & 0xc0) == 0xc0
            ? BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(offset + 2 + 4))
            : null;
        return new DnsAnswer(rcode, answerCount, ttl);
    }

    private sealed record DnsAnswer(int Rcode, int AnswerCount, uint? FirstTtl);
}
