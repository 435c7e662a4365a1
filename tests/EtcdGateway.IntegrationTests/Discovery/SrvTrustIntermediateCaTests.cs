using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// SRV verification with certificates as real PKIs issue them: a target that sends its intermediate with its certificate
/// proves itself against a <c>--trusted-ca-file</c> holding only the root; one that leaves the intermediate out does not.
/// SIGHUP reads the trusted CA file again, and the next refresh checks every target against what it holds now.
/// </summary>
public sealed partial class SrvTrustIntermediateCaTests(IntermediateCaClusterFixture fixture) : IClassFixture<IntermediateCaClusterFixture>, IDisposable
{
    private readonly EtcdCluster _cluster = fixture.Cluster;
    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-pki-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Target_Sending_Its_Intermediate_Is_Verified_Against_The_Root_Alone_And_Stays_Up_While_One_Without_It_Is_Dropped()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1), (1, 10, 1)));
        var admin = NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync([
            .. DiscoveryFlags(dns), $"--trusted-ca-file={fixture.Root.CertificatePath}", $"--metrics-addr={admin}"]);

        var discovered = Assert.Single(gateway.LogEntries(Discovered));
        Assert.Equal(JsonValueKind.True, discovered.GetProperty("verified").ValueKind);
        Assert.Equal([$"https://{EndpointName(_cluster, 0)} priority=10 weight=1"], Strings(discovered, "endpoints"));
        var dropped = Assert.Single(gateway.LogEntries(Dropped));
        Assert.Contains(EndpointName(_cluster, 1), Field(dropped, "endpoint"), StringComparison.Ordinal);
        Assert.True(ChainReason().IsMatch(Field(dropped, "reason")), $"the reason should say the certificate does not chain to the CA: {dropped}");

        // The health probe uses the same check (and the same file): the verified target is up, not panic mode.
        using var http = AdminClient(admin);
        var status = await WaitForStatusAsync(http, s => State(s, EndpointName(_cluster, 0)) == "up" && s.TryGetProperty("panic", out var p) && !p.GetBoolean(), StepTimeout);
        Assert.True(State(status, EndpointName(_cluster, 0)) == "up", $"{EndpointName(_cluster, 0)} should be up: {status}\n--- gateway log ---\n{gateway.Log}");
        await Task.Delay(TimeSpan.FromSeconds(3));
        status = await StatusAsync(http);
        Assert.True(
            State(status, EndpointName(_cluster, 0)) == "up" && !status.GetProperty("panic").GetBoolean(),
            $"{EndpointName(_cluster, 0)} should stay up over several probes: {status}\n--- gateway log ---\n{gateway.Log}");
    }

    [Fact]
    public async Task Unrelated_Trusted_Ca_File_Drops_Every_Target_So_Start_Fails()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1)));

        var (_, log) = await StartFailsAsync(
            [.. DiscoveryFlags(dns), $"--trusted-ca-file={fixture.Unrelated.CertificatePath}"],
            $"invalid value \"{Domain}\" for flag --discovery-srv: no usable endpoint among the SRV targets");

        var dropped = Assert.Single(Entries(log, Dropped));
        Assert.True(ChainReason().IsMatch(Field(dropped, "reason")), $"the reason should say the certificate does not chain to the CA: {dropped}");
    }

    [Fact]
    public async Task Sighup_Reads_A_Replaced_Trusted_Ca_File_And_The_Next_Refresh_Checks_The_Verified_Target_Again()
    {
        // A 1 s TTL is held up to the 5 s minimum, so the gateway asks again about every 5 s.
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, _cluster, (0, 10, 1)), TimeSpan.FromSeconds(1));
        var caFile = Path.Combine(_dir, "trusted-ca.crt");
        await File.WriteAllTextAsync(caFile, await File.ReadAllTextAsync(fixture.Root.CertificatePath));
        var config = Path.Combine(_dir, "gateway.yaml");
        await File.WriteAllTextAsync(config, "health-interval: 1s\n");
        await using var gateway = await GatewayProcess.StartAsync([$"--config-file={config}", .. DiscoveryFlags(dns), $"--trusted-ca-file={caFile}"]);
        Assert.Equal([$"https://{EndpointName(_cluster, 0)} priority=10 weight=1"], Strings(Assert.Single(gateway.LogEntries(Discovered)), "endpoints"));

        // Refreshes before the reload find nothing new to check: the target proved itself already.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Empty(gateway.LogEntries(Dropped));

        await File.WriteAllTextAsync(caFile, await File.ReadAllTextAsync(fixture.Unrelated.CertificatePath));
        Posix.Signal(gateway.Pid, 1);
        await gateway.WaitForLogAsync("reloaded configuration", StepTimeout);

        var dropped = await gateway.WaitForLogAsync(Dropped, StepTimeout);
        Assert.Contains(EndpointName(_cluster, 0), Field(dropped, "endpoint"), StringComparison.Ordinal);
        Assert.True(ChainReason().IsMatch(Field(dropped, "reason")), $"the reason should say the certificate does not chain to the CA: {dropped}");
    }

    [GeneratedRegex(@"chain|\bca\b|trust|root|issuer|authority", RegexOptions.IgnoreCase)]
    private static partial Regex ChainReason();
}
