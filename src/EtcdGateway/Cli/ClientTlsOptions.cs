using System.Net.Security;
using System.Security.Authentication;

namespace EtcdGateway.Cli;

/// <summary>
/// TLS between clients and the gRPC proxy: <c>--cert-file</c>, <c>--key-file</c>, <c>--trusted-ca-file</c> (client
/// certificates), <c>--auto-tls</c>, <c>--client-crl-file</c>, <c>--listen-cipher-suites</c>,
/// <c>--self-signed-cert-validity</c> and the version bounds.
/// </summary>
internal sealed record ClientTlsOptions
{
    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    public string? TrustedCaFile { get; init; }

    public bool AutoTls { get; init; }

    public string? CrlFile { get; init; }

    /// <summary>The TLS 1.2 suites offered, in the order given (<c>--listen-cipher-suites</c>); empty: the platform's choice.</summary>
    public IReadOnlyList<TlsCipherSuite> CipherSuites { get; init; } = [];

    /// <summary>The host of <c>--listen-addr</c> as written, which an auto-TLS certificate names (as etcd's does); empty for none.</summary>
    public string ListenHost { get; init; } = "";

    /// <summary>Years an auto-TLS certificate is valid.</summary>
    public int SelfSignedCertValidityYears { get; init; } = 1;

    public SslProtocols MinVersion { get; init; } = SslProtocols.Tls12;

    /// <summary>The highest version allowed; <see cref="SslProtocols.None"/>: the highest available.</summary>
    public SslProtocols MaxVersion { get; init; } = SslProtocols.None;

    /// <summary>Whether clients must speak TLS to the proxy.</summary>
    public bool IsConfigured => CertFile is not null || KeyFile is not null || TrustedCaFile is not null || AutoTls;

    /// <summary>Whether clients must present a certificate that chains to <see cref="TrustedCaFile"/>.</summary>
    public bool RequiresClientCertificates => TrustedCaFile is not null;
}
