namespace EtcdGateway.Health;

/// <summary>The active health check's settings (<c>--health-*</c>, <c>--eject-grace</c>).</summary>
internal sealed record HealthOptions
{
    public required HealthCheckMode Mode { get; init; }

    public required TimeSpan Interval { get; init; }

    public required TimeSpan Timeout { get; init; }

    public required int UnhealthyThreshold { get; init; }

    public required int HealthyThreshold { get; init; }

    public string? CaCertFile { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>Accept any certificate from a TLS member (the proxy's <c>--insecure-skip-tls-verify</c>, which its calls follow too).</summary>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>
    /// A further name a TLS endpoint's certificate may carry instead of the endpoint's own host name: the discovery
    /// domain, which SRV discovery accepts for its targets (so probes accept what discovery accepted).
    /// </summary>
    public string? AlternativeCertificateName { get; init; }

    /// <summary>How long connections to an ejected endpoint may go on; zero leaves them alone.</summary>
    public required TimeSpan EjectGrace { get; init; }
}
