using System.Net;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc.Tls;

/// <summary>
/// A 3-member etcd cluster that speaks TLS to clients and demands their certificates (<c>--client-cert-auth</c>,
/// <c>--trusted-ca-file</c> holding the root alone), with certificates as a real PKI issues them: an intermediate CA
/// under a root issued the members' certificates (each file holds the member's certificate followed by the
/// intermediate) and the client certificates tests hand out. Shared by tests that leave the cluster as they found it.
/// </summary>
public sealed class ClientCertClusterFixture : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();

    public EtcdCluster Cluster { get; private set; } = null!;

    /// <summary>The root; its file holds the root alone (what <c>--cacert</c> and <c>--trusted-ca-file</c> get).</summary>
    public TestCertificateAuthority Root { get; private set; } = null!;

    /// <summary>The intermediate under <see cref="Root"/> that issued every certificate here.</summary>
    public TestCertificateAuthority Intermediate { get; private set; } = null!;

    /// <summary>A root that issued nothing the cluster or the proxy trusts.</summary>
    public TestCertificateAuthority Unrelated { get; private set; } = null!;

    /// <summary>The proxy's certificate to the members: no Common Name (etcd's rule), the intermediate after it in its file.</summary>
    public IssuedCertificate ProxyClientCertificate { get; private set; } = null!;

    /// <summary>The members' client endpoints as <c>host:port</c>, without a scheme: TLS because the proxy is given TLS flags.</summary>
    public string SchemelessEndpoints => string.Join(',', Cluster.Members.Select(m => m.ClientAddress));

    public async ValueTask InitializeAsync()
    {
        Root = _certificates.CreateAuthority("tls-root");
        Intermediate = _certificates.CreateIntermediateAuthority("tls-intermediate", Root);
        Unrelated = _certificates.CreateAuthority("tls-unrelated");
        ProxyClientCertificate = Intermediate.IssueClientCertificate(commonName: null);
        Cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 3,
            ClientCertificate = Intermediate.IssueServerCertificate(["localhost"], [IPAddress.Loopback]),
            ClientCertificateAuthority = Root,
        });
    }

    /// <summary>A further certificate from the intermediate, for a server (the proxy's listener) or a client.</summary>
    public IssuedCertificate IssueServerCertificate() => Intermediate.IssueServerCertificate(["localhost"], [IPAddress.Loopback]);

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        _certificates.Dispose();
    }
}
