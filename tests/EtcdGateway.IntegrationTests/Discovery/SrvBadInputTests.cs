using System.Net;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>Discovery that cannot work stops the gateway before it listens: exit code 2 and one line saying why.</summary>
public class SrvBadInputTests
{
    // Good records, so that in each case below the flag under test is the only thing wrong. Nothing needs to answer at
    // the port: every case must fail before anything is dialed.
    private static readonly DnsRecords OneMember = new()
    {
        Srv = [new SrvRecord(PlainService, HostName(0), 2379)],
        Hosts = [new HostRecord(HostName(0), IPAddress.Loopback)],
    };

    public static TheoryData<string> BadDnsServers => ["not-an-ip", "example.test:53", "127.0.0.1:70000", "127.0.0.1:abc"];

    [Fact]
    public async Task A_Domain_Without_Srv_Records_Fails_Naming_Both_Service_Names_And_Nxdomain()
    {
        // The domain is served (so the names are NXDOMAIN, not refused), but holds only a host record.
        await using var dns = await DnsmasqServer.StartAsync(new DnsRecords { Hosts = [new HostRecord(HostName(0), IPAddress.Loopback)] });

        var (error, _) = await StartFailsAsync(
            [.. DiscoveryFlags(dns), "--insecure-discovery"],
            $"invalid value \"{Domain}\" for flag --discovery-srv: both SRV lookups failed: {TlsService}: ",
            $"; {PlainService}: ");

        var plainCause = error[(error.IndexOf($"; {PlainService}: ", StringComparison.Ordinal) + PlainService.Length)..];
        var tlsCause = error[(error.IndexOf($"{TlsService}: ", StringComparison.Ordinal) + TlsService.Length)..error.IndexOf($"; {PlainService}: ", StringComparison.Ordinal)];
        Assert.True(tlsCause.Contains("NXDOMAIN", StringComparison.OrdinalIgnoreCase), $"the https lookup's cause should be NXDOMAIN: {error}");
        Assert.True(plainCause.Contains("NXDOMAIN", StringComparison.OrdinalIgnoreCase), $"the http lookup's cause should be NXDOMAIN: {error}");
        Assert.True(dns.QueryCount(TlsService, "SRV") > 0 && dns.QueryCount(PlainService, "SRV") > 0, $"both names should have been asked:\n{string.Join('\n', dns.LogLines)}");
    }

    [Theory]
    [MemberData(nameof(BadDnsServers))]
    public async Task Dns_Server_That_Is_Not_An_Ip_And_Port_Is_A_Usage_Error(string value)
    {
        var result = await GatewayProcess.RunToExitAsync(
            ["start", $"--discovery-srv={Domain}", "--insecure-discovery", $"--dns-server={value}", $"--listen-addr=127.0.0.1:{FreePorts.Next()}"]);

        UsageErrorAssert.IsUsageError(result, $"invalid value \"{value}\" for flag --dns-server");
    }

    [Fact]
    public async Task Discovery_With_Endpoints_Auto_Sync_Is_A_Usage_Error_On_The_Sync_Interval()
    {
        await using var dns = await DnsmasqServer.StartAsync(OneMember);

        var result = await GatewayProcess.RunToExitAsync(
            ["start", .. DiscoveryFlags(dns), "--insecure-discovery", "--endpoints-auto-sync-interval=5s", $"--listen-addr=127.0.0.1:{FreePorts.Next()}"]);

        UsageErrorAssert.IsUsageError(result, "for flag --endpoints-auto-sync-interval");
    }
}
