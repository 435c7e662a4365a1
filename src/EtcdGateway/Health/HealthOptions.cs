namespace EtcdGateway.Health;

/// <summary>The active health check's settings (<c>--health-*</c>, <c>--eject-grace</c>).</summary>
internal sealed record HealthOptions
{
    public HealthCheckMode Mode { get; init; } = HealthCheckMode.Auto;

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public int UnhealthyThreshold { get; init; } = 2;

    public int HealthyThreshold { get; init; } = 2;

    public string? CaCertFile { get; init; }

    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }

    /// <summary>
    /// A further name a TLS endpoint's certificate may carry instead of the endpoint's own host name: the discovery
    /// domain, which SRV discovery accepts for its targets (so probes accept what discovery accepted).
    /// </summary>
    public string? AlternativeCertificateName { get; init; }

    /// <summary>How long connections to an ejected endpoint may go on; zero leaves them alone.</summary>
    public TimeSpan EjectGrace { get; init; } = TimeSpan.FromSeconds(1);
}
