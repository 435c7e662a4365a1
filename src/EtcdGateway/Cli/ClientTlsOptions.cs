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

    /// <summary>Go's cipher suite names, as given; empty: the platform's choice.</summary>
    public IReadOnlyList<string> CipherSuites { get; init; } = [];

    /// <summary>Years an auto-TLS certificate is valid.</summary>
    public int SelfSignedCertValidityYears { get; init; } = 1;

    public SslProtocols MinVersion { get; init; } = SslProtocols.Tls12;

    /// <summary>The highest version allowed; <see cref="SslProtocols.None"/>: the highest available.</summary>
    public SslProtocols MaxVersion { get; init; } = SslProtocols.None;

    /// <summary>Whether clients must speak TLS to the proxy.</summary>
    public bool IsConfigured => CertFile is not null || KeyFile is not null || TrustedCaFile is not null || AutoTls;
}
