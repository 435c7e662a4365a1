using System.Net;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// A two-member TLS etcd cluster whose certificates come from an intermediate CA under a root, as real PKIs issue them:
/// m0 serves its certificate followed by the intermediate, m1 serves its certificate alone (the intermediate missing).
/// Both name their SRV target (<c>mN.example.test</c>) and 127.0.0.1. Clients that hold only the root can verify m0 only.
/// </summary>
public sealed class IntermediateCaClusterFixture : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();

    public EtcdCluster Cluster { get; private set; } = null!;

    /// <summary>The root; its file holds the root alone.</summary>
    public TestCertificateAuthority Root { get; private set; } = null!;

    /// <summary>The intermediate CA, signed by <see cref="Root"/>, that issued both members' certificates.</summary>
    public TestCertificateAuthority Intermediate { get; private set; } = null!;

    /// <summary>A root that issued nothing the cluster serves.</summary>
    public TestCertificateAuthority Unrelated { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Root = _certificates.CreateAuthority("pki-root");
        Intermediate = _certificates.CreateIntermediateAuthority("pki-intermediate", Root);
        Unrelated = _certificates.CreateAuthority("pki-unrelated");
        Cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 2,
            ClientCertificate = Intermediate.IssueServerCertificate([HostName(0)], [IPAddress.Loopback]),
            MemberClientCertificates = new Dictionary<int, IssuedCertificate?>
            {
                [1] = Intermediate.IssueServerCertificate([HostName(1)], [IPAddress.Loopback], withIntermediates: false),
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
