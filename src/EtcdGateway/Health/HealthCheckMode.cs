namespace EtcdGateway.Health;

/// <summary>The values of <c>--health-check</c>.</summary>
internal enum HealthCheckMode
{
    /// <summary>GET /health on plain endpoints; on TLS endpoints HTTPS when a CA is given, else a TCP connect.</summary>
    Auto,

    /// <summary>GET /health on every endpoint (HTTPS for TLS endpoints, which then needs <c>--health-cacert</c>).</summary>
    Http,

    /// <summary>A TCP connect only (what etcd's gateway checks; does not notice a hung member).</summary>
    Tcp,

    /// <summary>No probes: endpoints leave rotation only when a dial fails, and return via <c>--retry-delay</c>.</summary>
    None,
}
