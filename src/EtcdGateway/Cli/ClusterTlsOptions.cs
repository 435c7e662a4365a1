namespace EtcdGateway.Cli;

/// <summary>TLS from the gRPC proxy to the members: <c>--cert</c>, <c>--key</c>, <c>--cacert</c>, <c>--insecure-skip-tls-verify</c>.</summary>
internal sealed record ClusterTlsOptions(string? CertFile, string? KeyFile, string? CaFile, bool InsecureSkipVerify)
{
    /// <summary>
    /// Whether any of the flags was given. etcd then speaks TLS to every member written without a scheme; one written
    /// <c>http://</c> stays plain, and one written <c>https://</c> is TLS either way.
    /// </summary>
    public bool IsConfigured => CertFile is not null || KeyFile is not null || CaFile is not null || InsecureSkipVerify;

    /// <summary>
    /// A further name a member's certificate may carry instead of the member's own host name: the discovery domain, which
    /// SRV discovery accepts for its targets (so calls accept what discovery and health probes accepted).
    /// </summary>
    public string? AlternativeCertificateName { get; init; }
}
