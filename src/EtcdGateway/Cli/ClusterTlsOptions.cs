namespace EtcdGateway.Cli;

/// <summary>TLS from the gRPC proxy to the members: <c>--cert</c>, <c>--key</c>, <c>--cacert</c>, <c>--insecure-skip-tls-verify</c>.</summary>
internal sealed record ClusterTlsOptions(string? CertFile, string? KeyFile, string? CaFile, bool InsecureSkipVerify)
{
    /// <summary>Whether any of the flags was given (etcd then speaks TLS to every member).</summary>
    public bool IsConfigured => CertFile is not null || KeyFile is not null || CaFile is not null || InsecureSkipVerify;
}
