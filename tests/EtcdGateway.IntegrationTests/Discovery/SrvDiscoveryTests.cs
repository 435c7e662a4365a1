using System.Text.Json;
using EtcdGateway.IntegrationTests.Health;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>--discovery-srv with plain http records: the members come from DNS, not from --endpoints.</summary>
[Collection(PlainDiscoveryCluster.Name)]
public class SrvDiscoveryTests(PlainDiscoveryClusterFixture fixture)
{
    private readonly EtcdCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Plain_Records_With_Insecure_Discovery_Carry_Etcdctl_Through_The_Gateway_And_The_Log_Lists_Every_Target()
    {
        await using var dns = await DnsmasqServer.StartAsync(PlainRecords(_cluster, 0, 1, 2));
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--insecure-discovery"]);

        var discovered = Assert.Single(gateway.LogEntries(Discovered));
        Assert.Equal(Domain, Field(discovered, "discovery-srv"));
        Assert.Equal(JsonValueKind.False, discovered.GetProperty("verified").ValueKind);
        Assert.True(discovered.TryGetProperty("ttl", out _), $"no ttl field: {discovered}");
        var listed = Strings(discovered, "endpoints");
        Assert.Equal(3, listed.Count);
        foreach (var member in new[] { 0, 1, 2 })
        {
            var url = $"http://{EndpointName(_cluster, member)} ";
            Assert.True(listed.Count(e => e.StartsWith(url, StringComparison.Ordinal)) == 1, $"expected one endpoint starting \"{url}\": {discovered}");
        }

        // Without --pick-policy, discovery picks by the records' priorities and weights.
        var ready = Assert.Single(gateway.LogEntries(Ready));
        Assert.Equal(
            new[] { 0, 1, 2 }.Select(m => EndpointName(_cluster, m)).Order(StringComparer.Ordinal),
            Strings(ready, "endpoints").Order(StringComparer.Ordinal));
        Assert.Equal("weighted", Field(ready, "pick-policy"));

        var failures = await HealthTestSupport.PutGetCallsAsync(gateway.ListenAddress, 10, "srv-plain");
        Assert.True(failures.Count == 0, $"{failures.Count} of 10 calls failed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
    }

    [Fact]
    public async Task Discovery_Srv_Name_Blue_Looks_Up_The_Suffixed_Service_Label()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records("_etcd-client-blue._tcp." + Domain, _cluster, (0, 10, 1), (1, 10, 1), (2, 10, 1)));
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--discovery-srv-name=blue", "--insecure-discovery"]);

        var discovered = Assert.Single(gateway.LogEntries(Discovered));
        Assert.Equal(3, Strings(discovered, "endpoints").Count);
        Assert.True(dns.QueryCount("_etcd-client-ssl-blue._tcp." + Domain, "SRV") > 0, $"the https name was never asked for:\n{string.Join('\n', dns.LogLines)}");

        var failures = await HealthTestSupport.PutGetCallsAsync(gateway.ListenAddress, 4, "srv-blue");
        Assert.True(failures.Count == 0, $"{failures.Count} of 4 calls failed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
    }

    [Fact]
    public async Task Without_Discovery_Srv_Name_Records_Under_The_Blue_Label_Are_Not_Found_And_The_Error_Names_Both_Unsuffixed_Names()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records("_etcd-client-blue._tcp." + Domain, _cluster, (0, 10, 1)));

        await StartFailsAsync(
            [.. DiscoveryFlags(dns), "--insecure-discovery"],
            $"invalid value \"{Domain}\" for flag --discovery-srv: both SRV lookups failed: {TlsService}: ",
            $"; {PlainService}: ");
    }

    [Fact]
    public async Task Endpoints_Flag_Is_Ignored_With_A_Warning_When_Discovery_Is_On()
    {
        await using var dns = await DnsmasqServer.StartAsync(PlainRecords(_cluster, 0));
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--insecure-discovery", "--endpoints=127.0.0.1:1"]);

        // Notices about flags carry the flag's name in a "flag" field; the wording of this one is not pinned down.
        Assert.True(
            gateway.StderrLines.Any(IsWarningAboutEndpointsFlag),
            $"no warning that --endpoints is ignored:\n{gateway.Log}");
        var ready = Assert.Single(gateway.LogEntries(Ready));
        Assert.Equal([EndpointName(_cluster, 0)], Strings(ready, "endpoints"));

        var put = await Etcdctl.RunAsync(gateway.ListenAddress, "put", "srv-ignored/k", "v");
        Assert.True(put.Succeeded, $"{put}\n--- gateway log ---\n{gateway.Log}");
    }

    [Fact]
    public async Task A_Second_Dns_Server_Answers_When_The_First_Does_Not()
    {
        await using var dns = await DnsmasqServer.StartAsync(PlainRecords(_cluster, 0, 1));

        // Nothing listens on the first server's port, so each query to it is refused at once (ICMP port unreachable).
        await using var gateway = await GatewayProcess.StartAsync(
            [$"--discovery-srv={Domain}", $"--dns-server=127.0.0.1:{FreePorts.Next()}", $"--dns-server={dns.Endpoint}", "--insecure-discovery"]);

        Assert.Equal(2, Strings(Assert.Single(gateway.LogEntries(Discovered)), "endpoints").Count);
        var put = await Etcdctl.RunAsync(gateway.ListenAddress, "put", "srv-second-dns/k", "v");
        Assert.True(put.Succeeded, $"{put}\n--- gateway log ---\n{gateway.Log}");
    }

    private static bool IsWarningAboutEndpointsFlag(string line)
    {
        if (!line.StartsWith('{'))
        {
            return false;
        }

        using var document = JsonDocument.Parse(line);
        var entry = document.RootElement;
        return Field(entry, "level") == "warn"
            && (Field(entry, "flag") == "endpoints" || Field(entry, "msg").Contains("--endpoints", StringComparison.Ordinal));
    }
}
