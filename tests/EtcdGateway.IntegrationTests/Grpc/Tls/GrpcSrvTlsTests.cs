using EtcdGateway.IntegrationTests.Discovery;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Grpc.Tls;

/// <summary>
/// <c>grpc-proxy start --discovery-srv</c> with TLS targets (<c>_etcd-client-ssl</c>): each target is verified against
/// <c>--cacert</c> as discovery verifies it (its own name or the discovery domain on its certificate), and the proxy's
/// calls then go to it over TLS under the same rule.
/// </summary>
public sealed class GrpcSrvTlsTests(TlsDiscoveryClusterFixture fixture) : IClassFixture<TlsDiscoveryClusterFixture>
{
    [Fact]
    public async Task Tls_Targets_Named_By_Themselves_Or_By_The_Domain_Serve_Calls_And_The_Wrong_Name_Is_Dropped()
    {
        var cluster = fixture.Cluster;
        await using var dns = await DnsmasqServer.StartAsync(Records(TlsService, cluster, (0, 10, 1), (1, 10, 1), (2, 10, 1)));
        await using var proxy = await GrpcProxyProcess.StartAsync([.. DiscoveryFlags(dns), $"--cacert={fixture.Authority.CertificatePath}"]);

        Assert.Contains(EndpointName(cluster, 2), Field(Assert.Single(proxy.LogEntries(Dropped)), "endpoint"), StringComparison.Ordinal);

        // Round robin over m0 (its certificate names its target) and m1 (only the domain): every call succeeds, and
        // neither leaves rotation, so both were dialled with TLS and accepted.
        for (var i = 0; i < 6; i++)
        {
            var put = await Etcdctl.RunAsync(proxy.ListenAddress, "put", $"srv-proxy-tls/{i}", $"v{i}");
            Assert.True(put.Succeeded, $"{put}\n{proxy.Log}");
        }

        var get = await Etcdctl.RunAsync(proxy.ListenAddress, "get", "srv-proxy-tls/5", "--print-value-only");
        Assert.Equal("v5", get.StdOut.Trim());
        Assert.Empty(proxy.LogEntries("deactivated endpoint"));
    }
}
