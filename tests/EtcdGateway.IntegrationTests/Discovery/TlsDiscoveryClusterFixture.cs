using System.Net;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// A TLS etcd cluster whose three members show the three kinds of certificate discovery must tell apart, all issued by
/// one CA: m0's names its SRV target (m0.example.test), m1's names only the discovery domain (example.test), m2's names
/// another host (other.test). m0 and m1 also cover 127.0.0.1, the address etcdctl dials when it goes through the gateway.
/// </summary>
public sealed class TlsDiscoveryClusterFixture : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();

    public EtcdCluster Cluster { get; private set; } = null!;

    /// <summary>The CA that issued every member's certificate.</summary>
    public TestCertificateAuthority Authority { get; private set; } = null!;

    /// <summary>A CA that issued nothing the cluster serves.</summary>
    public TestCertificateAuthority Unrelated { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Authority = _certificates.CreateAuthority("discovery-ca");
        Unrelated = _certificates.CreateAuthority("unrelated-ca");
        Cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 3,
            ClientCertificate = Authority.IssueServerCertificate([HostName(0)], [IPAddress.Loopback]),
            MemberClientCertificates = new Dictionary<int, IssuedCertificate?>
            {
                [1] = Authority.IssueServerCertificate([Domain], [IPAddress.Loopback]),
                [2] = Authority.IssueServerCertificate(["other.test"], []),
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        _certificates.Dispose();
    }
}
