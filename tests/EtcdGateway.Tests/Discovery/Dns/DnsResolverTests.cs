using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EtcdGateway.Discovery.Dns;
using static EtcdGateway.Tests.Discovery.Dns.DnsResponseWriter;

namespace EtcdGateway.Tests.Discovery.Dns;

public class DnsResolverTests
{
    private const string SrvName = "_etcd-client._tcp.example.test";
    // Generous: an answer that misses it under a loaded machine looks like a lost packet (e.g. a silently missing AAAA).
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task SrvAnswer_IsAccepted_WithTheSmallestTtl()
    {
        await using var server = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 10, 2379, "m1.example.test", ttl: 300), Srv(SrvName, 1, 5, 2380, "m2.example.test.", ttl: 60))]);

        var result = await Resolver(server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Equal(SrvName, result.Name);
        Assert.Equal([new DnsSrvData(0, 10, 2379, "m1.example.test"), new DnsSrvData(1, 5, 2380, "m2.example.test")], result.Records);
        Assert.Equal(TimeSpan.FromSeconds(60), result.TimeToLive);
        var query = Assert.Single(server.Queries).Message;
        Assert.Equal([new DnsQuestion(SrvName, DnsRecordType.SRV, 1)], query.Questions);
        Assert.True(query.Header.RecursionDesired);
        Assert.Equal((ushort)1232, Assert.Single(query.Additionals, r => r.Type == DnsRecordType.OPT).Class);
    }

    [Fact]
    public async Task AnswerWithAnotherId_IsIgnored_AndTheRightOneAccepted()
    {
        await using var server = new FakeDnsServer(q =>
        [
            Reply(q.Message with { Header = q.Message.Header with { Id = (ushort)(q.Message.Header.Id + 1) } }, Srv(SrvName, 0, 0, 1, "forged.example.test")),
            Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test")),
        ]);

        var result = await Resolver(server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Equal("m1.example.test", Assert.Single(result.Records).Target);
    }

    [Fact]
    public async Task AnswersToAnotherQuestion_OrNotMarkedAsAnswers_AreIgnored()
    {
        await using var server = new FakeDnsServer(q =>
        {
            var question = q.Message.Questions[0];
            return
            [
                Reply(q.Message with { Questions = [question with { Name = "_etcd-client._tcp.evil.test" }] }, Srv("_etcd-client._tcp.evil.test", 0, 0, 1, "evil.test")),
                Reply(q.Message with { Questions = [question with { Type = DnsRecordType.A }] }, A(SrvName, "192.0.2.1")),
                Reply(q.Message with { Questions = [question with { Class = 3 }] }, Srv(SrvName, 0, 0, 1, "chaos.test")),
                Reply(q.Message with { Questions = [] }, Srv(SrvName, 0, 0, 1, "no-question.test")),
                Write(ReplyHeader(q.Message, DnsResponseCode.NoError) with { IsResponse = false }, q.Message.Questions, [Srv(SrvName, 0, 0, 1, "not-a-response.test")]),
                [0xFF, 0xFF, 0xFF],
                Reply(q.Message with { Questions = [question with { Name = question.Name.ToUpperInvariant() }] }, Srv(SrvName, 0, 0, 2379, "m1.example.test")),
            ];
        });

        var result = await Resolver(server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Equal("m1.example.test", Assert.Single(result.Records).Target);
    }

    [Fact]
    public async Task AnswerFromAnotherPort_IsIgnored()
    {
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var server = new FakeDnsServer(q =>
        {
            other.SendTo(Reply(q.Message, Srv(SrvName, 0, 0, 1, "spoofed.example.test")), q.Client);
            Thread.Sleep(50);
            return [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"))];
        });

        var result = await Resolver(server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Equal("m1.example.test", Assert.Single(result.Records).Target);
    }

    [Fact]
    public async Task TruncatedAnswer_IsAskedAgainOverTcp_OfTheSameServer()
    {
        await using var server = new FakeDnsServer(q => q.OverTcp
            ? [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"), Srv(SrvName, 0, 0, 2379, "m2.example.test"))]
            : [TruncatedReply(q.Message)]);

        var result = await Resolver(server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Equal(["m1.example.test", "m2.example.test"], result.Records.Select(r => r.Target));
        Assert.Equal([false, true], server.Queries.Select(q => q.OverTcp));
        Assert.Equal(server.Queries.First().Message.Questions, server.Queries.Last().Message.Questions);
    }

    [Fact]
    public async Task SilentServer_TimesOut_AndTheNextServerAnswers()
    {
        await using var silent = new FakeDnsServer(_ => []);
        await using var server = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"))]);

        var started = Stopwatch.GetTimestamp();
        var result = await Resolver(silent, server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Single(result.Records);
        Assert.Single(silent.Queries);
        Assert.InRange(Stopwatch.GetElapsedTime(started), TestTimeout * 0.9, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ServersThatNeverAnswer_FailWithATimeout_AfterEveryAttemptAtEachOne()
    {
        await using var first = new FakeDnsServer(_ => []);
        await using var second = new FakeDnsServer(_ => []);

        var error = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(first, second).LookupSrvAsync(SrvName, CancellationToken.None));

        Assert.Equal($"lookup {SrvName}: timed out after 2 attempts to {first.EndPoint}, {second.EndPoint}", error.Message);
        Assert.Equal(2, first.Queries.Count);
        Assert.Equal(2, second.Queries.Count);
    }

    [Fact]
    public async Task Nxdomain_IsTheAnswer_WithoutAskingOtherServers()
    {
        await using var server = new FakeDnsServer(q => [Reply(q.Message, DnsResponseCode.NameError)]);
        await using var other = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"))]);

        var error = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(server, other).LookupSrvAsync(SrvName, CancellationToken.None));

        Assert.Equal($"lookup {SrvName}: no such host (NXDOMAIN) from 127.0.0.1:{server.EndPoint.Port}", error.Message);
        Assert.Empty(other.Queries);
    }

    [Fact]
    public async Task ServerFailure_MovesOnToTheNextServer()
    {
        await using var failing = new FakeDnsServer(q => [Reply(q.Message, DnsResponseCode.ServerFailure)]);
        await using var refusing = new FakeDnsServer(q => [Reply(q.Message, DnsResponseCode.Refused)]);
        await using var server = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"))]);

        var result = await Resolver(failing, refusing, server).LookupSrvAsync(SrvName, CancellationToken.None);

        Assert.Single(result.Records);
        Assert.Single(failing.Queries);
        Assert.Single(refusing.Queries);
    }

    [Fact]
    public async Task ServerFailureEverywhere_IsReportedAsSuch_RatherThanAsATimeout()
    {
        await using var failing = new FakeDnsServer(q => [Reply(q.Message, DnsResponseCode.ServerFailure)]);
        await using var silent = new FakeDnsServer(_ => []);

        var error = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(failing, silent).LookupSrvAsync(SrvName, CancellationToken.None));

        Assert.Equal($"lookup {SrvName}: server failure (SERVFAIL) from {failing.EndPoint}", error.Message);
    }

    [Fact]
    public async Task ClosedPort_IsReported_AndTheNextServerAsked()
    {
        var closed = ClosedUdpPort();
        await using var server = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"))]);
        var resolver = new DnsResolver(Options(closed, server.EndPoint), TimeProvider.System);

        Assert.Single((await resolver.LookupSrvAsync(SrvName, CancellationToken.None)).Records);
        var error = await Assert.ThrowsAsync<DnsLookupException>(() => new DnsResolver(Options(closed), TimeProvider.System).LookupSrvAsync(SrvName, CancellationToken.None));
        Assert.Equal($"lookup {SrvName}: {closed}: connection refused", error.Message);
    }

    [Fact]
    public async Task NoSrvRecords_AndOnlyADotTarget_AreFailuresThatSaySo()
    {
        await using var empty = new FakeDnsServer(q => [Reply(q.Message, A(SrvName, "192.0.2.1"))]);
        await using var dot = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 0, 0, ""))]);

        var none = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(empty).LookupSrvAsync(SrvName, CancellationToken.None));
        var unavailable = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(dot).LookupSrvAsync(SrvName, CancellationToken.None));

        Assert.Equal($"lookup {SrvName}: no SRV records from {empty.EndPoint}", none.Message);
        Assert.Equal($"lookup {SrvName}: service not available (SRV target \".\")", unavailable.Message);
    }

    [Fact]
    public async Task QueryIds_AreRandom_AndComeFromTheInjectedSourceWhenGiven()
    {
        await using var server = new FakeDnsServer(q => [Reply(q.Message, Srv(SrvName, 0, 0, 2379, "m1.example.test"))]);
        var resolver = Resolver(server);
        for (var i = 0; i < 20; i++)
        {
            await resolver.LookupSrvAsync(SrvName, CancellationToken.None);
        }

        Assert.InRange(server.Queries.Select(q => q.Message.Header.Id).Distinct().Count(), 15, 20);
        Assert.InRange(server.Queries.Select(q => q.Client.Port).Distinct().Count(), 15, 20);

        ushort next = 1000;
        await new DnsResolver(Options(server.EndPoint), TimeProvider.System, () => next++).LookupSrvAsync(SrvName, CancellationToken.None);
        Assert.Equal(1000, server.Queries.Last().Message.Header.Id);
    }

    [Fact]
    public async Task HostLookup_AsksForAAndAaaa_AndMergesThem()
    {
        await using var server = new FakeDnsServer(q => q.Message.Questions[0].Type == DnsRecordType.A
            ? [Reply(q.Message, A("m1.example.test", "10.0.0.1", ttl: 30), A("m1.example.test", "10.0.0.2", ttl: 40))]
            : [Reply(q.Message, Aaaa("m1.example.test", "fd00::1", ttl: 20))]);

        var result = await Resolver(server).LookupHostAsync("m1.example.test", CancellationToken.None);

        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), IPAddress.Parse("fd00::1")], result.Addresses);
        Assert.Equal(TimeSpan.FromSeconds(20), result.TimeToLive);
        Assert.Equal([DnsRecordType.A, DnsRecordType.AAAA], server.Queries.Select(q => q.Message.Questions[0].Type).Order());
    }

    [Fact]
    public async Task HostLookup_WithOnlyIPv4_IsFine()
    {
        await using var server = new FakeDnsServer(q => q.Message.Questions[0].Type == DnsRecordType.A
            ? [Reply(q.Message, A("m1.example.test", "10.0.0.1"))]
            : [Reply(q.Message)]);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], (await Resolver(server).LookupHostAsync("m1.example.test", CancellationToken.None)).Addresses);
    }

    [Fact]
    public async Task CnameChain_InTheAnswer_IsFollowed_AndItsTtlCounts()
    {
        await using var server = new FakeDnsServer(q => q.Message.Questions[0].Type == DnsRecordType.A
            ? [Reply(q.Message,
                A("decoy.example.test", "192.0.2.1"),
                Cname("etcd.example.test", "Alias.Example.Test.", ttl: 15),
                Cname("alias.example.test", "m1.example.test", ttl: 600),
                A("M1.example.test", "10.0.0.1", ttl: 300))]
            : [Reply(q.Message, Cname("etcd.example.test", "alias.example.test"))]);

        var result = await Resolver(server).LookupHostAsync("etcd.example.test", CancellationToken.None);

        Assert.Equal([IPAddress.Parse("10.0.0.1")], result.Addresses);
        Assert.Equal(TimeSpan.FromSeconds(15), result.TimeToLive);
    }

    [Fact]
    public async Task CnameLoop_EndsWithNoRecords()
    {
        await using var server = new FakeDnsServer(q => [Reply(q.Message, Cname("a.example.test", "b.example.test"), Cname("b.example.test", "a.example.test"))]);

        var error = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(server).LookupHostAsync("a.example.test", CancellationToken.None));

        Assert.Equal($"lookup a.example.test: no A or AAAA records from {server.EndPoint}", error.Message);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("::1")]
    public async Task IPLiteral_IsItsOwnAnswer_WithoutAQuery(string host)
    {
        await using var server = new FakeDnsServer(_ => []);

        var result = await Resolver(server).LookupHostAsync(host, CancellationToken.None);

        Assert.Equal([IPAddress.Parse(host)], result.Addresses);
        Assert.Equal(TimeSpan.MaxValue, result.TimeToLive);
        Assert.Empty(server.Queries);
    }

    [Fact]
    public async Task SearchList_IsTriedInOrder_PastNxdomain()
    {
        await using var server = new FakeDnsServer(q => q.Message.Questions[0].Name == "etcd.b.test"
            ? [Reply(q.Message, A("etcd.b.test", "10.0.0.1"))]
            : [Reply(q.Message, DnsResponseCode.NameError)]);
        var resolver = new DnsResolver(Options(server.EndPoint) with { Search = ["a.test", "b.test"] }, TimeProvider.System);

        var result = await resolver.LookupHostAsync("etcd", CancellationToken.None);

        Assert.Equal("etcd.b.test", result.Name);
        Assert.Equal(["etcd.a.test", "etcd.b.test"], server.Queries.Select(q => q.Message.Questions[0].Name).Distinct());
        var error = await Assert.ThrowsAsync<DnsLookupException>(() => resolver.LookupHostAsync("nothing", CancellationToken.None));
        Assert.Equal($"lookup nothing: no such host (NXDOMAIN) from {server.EndPoint}", error.Message);
    }

    [Fact]
    public async Task InvalidName_FailsWithoutAQuery()
    {
        await using var server = new FakeDnsServer(_ => []);

        var error = await Assert.ThrowsAsync<DnsLookupException>(() => Resolver(server).LookupSrvAsync("bad name.example.test", CancellationToken.None));

        Assert.Equal("lookup bad name.example.test: invalid name: character U+0020 is not allowed in a name", error.Message);
        Assert.Empty(server.Queries);
    }

    [Fact]
    public async Task CancelledLookup_ThrowsOperationCanceled()
    {
        await using var server = new FakeDnsServer(_ => []);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Resolver(server).LookupSrvAsync(SrvName, cancel.Token));
    }

    private static DnsResolver Resolver(params FakeDnsServer[] servers) =>
        new(Options(servers.Select(s => s.EndPoint).ToArray()), TimeProvider.System);

    private static DnsResolverOptions Options(params IPEndPoint[] nameservers) =>
        new() { Nameservers = nameservers, Timeout = TestTimeout, Attempts = 2 };

    private static IPEndPoint ClosedUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}
