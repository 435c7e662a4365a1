using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// Without --insecure-discovery only https records count, and each target must prove itself with a TLS handshake:
/// a certificate chaining to --trusted-ca-file (the system roots when unset) that names the target or the domain.
/// After that the gateway passes client TLS through untouched.
/// </summary>
public partial class SrvTrustTests(TlsDiscoveryClusterFixture fixture) : IClassFixture<TlsDiscoveryClusterFixture>
{
    private const byte TlsHandshakeRecord = 0x16;

    private readonly EtcdCluster _cluster = fixture.Cluster;
    private readonly TestCertificateAuthority _authority = fixture.Authority;

    [Fact]
    public async Task Certificates_Naming_The_Target_Or_The_Domain_Are_Verified_The_Wrong_Name_Is_Dropped_And_Client_Tls_Passes_Through()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1), (1, 10, 1), (2, 10, 1)));
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), $"--trusted-ca-file={_authority.CertificatePath}"]);

        var discovered = Assert.Single(gateway.LogEntries(Discovered));
        Assert.Equal(JsonValueKind.True, discovered.GetProperty("verified").ValueKind);
        Assert.Equal(
            new[] { $"https://{EndpointName(_cluster, 0)} priority=10 weight=1", $"https://{EndpointName(_cluster, 1)} priority=10 weight=1" },
            Strings(discovered, "endpoints").Order(StringComparer.Ordinal));
        var dropped = Assert.Single(gateway.LogEntries(Dropped));
        Assert.Equal("warn", Field(dropped, "level"));
        Assert.Contains(EndpointName(_cluster, 2), Field(dropped, "endpoint"), StringComparison.Ordinal);
        Assert.True(MentionsName(Field(dropped, "reason")), $"the reason should say the name does not match: {dropped}");

        // etcdctl checks the member's certificate against the CA and 127.0.0.1 itself: the gateway only relays bytes.
        var endpoint = $"https://127.0.0.1:{gateway.ListenPort}";
        for (var i = 0; i < 3; i++)
        {
            var put = await Etcdctl.RunTlsAsync(endpoint, _authority.CertificatePath, "put", $"srv-tls/{i}", $"v{i}");
            Assert.True(put.Succeeded, $"put through the gateway: {put}\n--- gateway log ---\n{gateway.Log}");
            var get = await Etcdctl.RunTlsAsync(endpoint, _authority.CertificatePath, "get", $"srv-tls/{i}", "--print-value-only");
            Assert.True(get.Succeeded && get.StdOut.Trim() == $"v{i}", $"get through the gateway: {get}\n--- gateway log ---\n{gateway.Log}");
        }
    }

    [Fact]
    public async Task An_Unrelated_Trusted_Ca_Drops_Every_Target_So_Start_Fails()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1), (1, 10, 1)));

        var (_, log) = await StartFailsAsync(
            [.. DiscoveryFlags(dns), $"--trusted-ca-file={fixture.Unrelated.CertificatePath}"],
            $"invalid value \"{Domain}\" for flag --discovery-srv: no usable endpoint among the SRV targets");

        foreach (var member in new[] { 0, 1 })
        {
            var dropped = Entries(log, Dropped).Where(e => Field(e, "endpoint").Contains(EndpointName(_cluster, member), StringComparison.Ordinal)).ToList();
            Assert.True(dropped.Count == 1, $"expected one \"{Dropped}\" for {EndpointName(_cluster, member)}:\n{string.Join('\n', log)}");
            Assert.True(ChainReason().IsMatch(Field(dropped[0], "reason")), $"the reason should say the certificate does not chain to the CA: {dropped[0]}");
        }
    }

    [Fact]
    public async Task A_Certificate_For_Another_Name_Is_Dropped_So_With_No_Other_Target_Start_Fails()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (2, 10, 1)));

        var (_, log) = await StartFailsAsync(
            [.. DiscoveryFlags(dns), $"--trusted-ca-file={_authority.CertificatePath}"],
            "for flag --discovery-srv: no usable endpoint among the SRV targets");

        var dropped = Assert.Single(Entries(log, Dropped));
        Assert.Contains(EndpointName(_cluster, 2), Field(dropped, "endpoint"), StringComparison.Ordinal);
        Assert.True(MentionsName(Field(dropped, "reason")), $"the reason should say the name does not match: {dropped}");
    }

    [Fact]
    public async Task Without_Trusted_Ca_File_The_System_Roots_Do_Not_Vouch_For_A_Test_Ca()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1)));

        var (_, log) = await StartFailsAsync([.. DiscoveryFlags(dns)], "for flag --discovery-srv: no usable endpoint among the SRV targets");

        var dropped = Assert.Single(Entries(log, Dropped));
        Assert.True(ChainReason().IsMatch(Field(dropped, "reason")), $"the reason should say the certificate is not trusted: {dropped}");
    }

    [Fact]
    public async Task Plain_Records_Without_Insecure_Discovery_Are_Ignored_With_A_Warning_So_Start_Fails()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(PlainService, _cluster, (0, 10, 1)));

        var (_, log) = await StartFailsAsync([.. DiscoveryFlags(dns), $"--trusted-ca-file={_authority.CertificatePath}"], "for flag --discovery-srv: ");

        var ignoring = Assert.Single(Entries(log, IgnoringPlain));
        Assert.Equal("warn", Field(ignoring, "level"));
    }

    [Fact]
    public async Task Insecure_Discovery_Takes_Https_Records_Without_Checking_Them_And_The_Member_Certificate_Reaches_The_Client()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (2, 10, 1)));
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--insecure-discovery"]);

        var discovered = Assert.Single(gateway.LogEntries(Discovered));
        Assert.Equal(JsonValueKind.False, discovered.GetProperty("verified").ValueKind);
        Assert.Equal([$"https://{EndpointName(_cluster, 2)} priority=10 weight=1"], Strings(discovered, "endpoints"));
        Assert.Empty(gateway.LogEntries(Dropped));

        // The handshake through the gateway ends at the member: the client is shown m2's own certificate, which only
        // a client trusting the cluster's CA and asking for other.test accepts.
        using var socket = await Loopback.ConnectAsync(gateway.ListenPort);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        string? subject = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "other.test",
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                using var presented = certificate is null ? null : new X509Certificate2(certificate);
                subject = presented?.Subject;
                return presented is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && _authority.Trusts(presented);
            },
        }).WaitAsync(StepTimeout);
        Assert.Equal("CN=other.test", subject);
    }

    [Fact]
    public async Task A_Verified_Target_That_Later_Resolves_To_Another_Address_Is_Verified_Again_Before_Clients_Reach_It()
    {
        // m0.example.test moves to 127.0.0.2, where an impostor on m0's port shows a certificate for the right name from
        // the wrong CA. The verified pair was (m0.example.test, 127.0.0.1); the new address has proved nothing yet.
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1), (1, 10, 1)), TimeSpan.FromSeconds(1));
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), $"--trusted-ca-file={_authority.CertificatePath}"]);
        var impostorAddress = IPAddress.Parse("127.0.0.2");
        var impostorCertificate = fixture.Unrelated.IssueServerCertificate([HostName(0)], [impostorAddress]);
        using var certificate = X509Certificate2.CreateFromPemFile(impostorCertificate.CertificatePath, impostorCertificate.KeyPath);
        var relayed = new StrongBox<int>();
        await using var impostor = StartImpostor(impostorAddress, _cluster.Members[0].ClientPort, certificate, relayed);

        var moved = dns.Records with
        {
            Hosts = [new HostRecord(HostName(0), impostorAddress), new HostRecord(HostName(1), IPAddress.Loopback)],
        };
        await dns.RestartAsync(moved);

        // Client connections carry a plain "GET" (not TLS), so the impostor tells them from the gateway's own TLS checks.
        // Until m0 is dropped (or the bound passes) keep connecting: with two equal targets, half of them would go to m0.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var droppedM0 = false;
        while (DateTime.UtcNow < deadline && Volatile.Read(ref relayed.Value) == 0 && !droppedM0)
        {
            await SendPlainRequestAsync(gateway.ListenPort);
            droppedM0 = gateway.LogEntries(Dropped).Any(e => Field(e, "endpoint").Contains(EndpointName(_cluster, 0), StringComparison.Ordinal));
        }

        Assert.True(
            Volatile.Read(ref relayed.Value) == 0,
            $"the gateway relayed {relayed.Value} client connection(s) to {impostorAddress}:{_cluster.Members[0].ClientPort}, which it never verified (the impostor accepted {impostor.AcceptedCount} connection(s) in all, TLS checks included)\n--- gateway log ---\n{gateway.Log}");
        var dropped = Assert.Single(gateway.LogEntries(Dropped), e => Field(e, "endpoint").Contains(EndpointName(_cluster, 0), StringComparison.Ordinal));
        Assert.True(ChainReason().IsMatch(Field(dropped, "reason")), $"the reason should say the certificate does not chain to the CA: {dropped}");
    }

    /// <summary>
    /// A TLS server on <paramref name="address"/>:<paramref name="port"/> that completes handshakes with
    /// <paramref name="certificate"/> and counts connections that start with anything but a TLS handshake record.
    /// </summary>
    private static TestBackend StartImpostor(IPAddress address, int port, X509Certificate2 certificate, StrongBox<int> relayed) =>
        TestBackend.Start(
            async socket =>
            {
                using (socket)
                {
                    using var cancel = new CancellationTokenSource(StepTimeout);
                    var first = new byte[1];
                    try
                    {
                        if (await socket.ReceiveAsync(first, SocketFlags.Peek, cancel.Token) == 0)
                        {
                            return;
                        }

                        if (first[0] != TlsHandshakeRecord)
                        {
                            Interlocked.Increment(ref relayed.Value);
                            return;
                        }

                        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
                        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancel.Token);
                    }
                    catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
                    {
                        // The gateway's check is expected to reject this certificate and hang up.
                    }
                }
            },
            port,
            address);

    /// <summary>A new connection through the gateway that sends a plain HTTP request and waits briefly for whatever comes back.</summary>
    private static async Task SendPlainRequestAsync(int gatewayPort)
    {
        try
        {
            using var socket = await Loopback.ConnectAsync(gatewayPort);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /version HTTP/1.1\r\nHost: etcd\r\n\r\n"), SocketFlags.None);
            await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            // Only where the bytes went matters here.
        }
    }

    // "is not valid for m2.example.test or example.test", "name mismatch", "does not cover ...": the wording is free, the point is not.
    private static bool MentionsName(string reason) => NameReason().IsMatch(reason);

    [GeneratedRegex("name|match|cover|valid for", RegexOptions.IgnoreCase)]
    private static partial Regex NameReason();

    [GeneratedRegex(@"chain|\bca\b|trust|root|issuer|authority", RegexOptions.IgnoreCase)]
    private static partial Regex ChainReason();
}
