using EtcdGateway.Endpoints;

namespace EtcdGateway.Health;

/// <summary>
/// Probes one endpoint the way <c>--health-check</c> says: <c>GET /health</c> (etcd answers <c>{"health":"true"}</c> with
/// 200, or <c>{"health":"false"}</c> with 503 when it has no leader or an alarm), or just a TCP connect.
/// </summary>
internal sealed class EndpointProbe(HealthOptions options, EndpointHttpClient http, EndpointDialer dialer) : IEndpointProbe
{
    /// <summary>Go's TLS server says this when plain HTTP reaches a TLS port: the member is alive, its /health out of our reach.</summary>
    private const string PlainHttpToTlsPort = "Client sent an HTTP request to an HTTPS server";

    /// <summary>
    /// etcd's answer is some twenty bytes and Go's error pages a few hundred; anything near this is not etcd, and a probe
    /// that runs every interval against every member must not buffer whatever a broken or hostile endpoint streams.
    /// </summary>
    internal const int MaxBodyBytes = 64 * 1024;

    public async Task<ProbeResult> ProbeAsync(Endpoint endpoint, CancellationToken stopping)
    {
        var useHttp = options.Mode switch
        {
            HealthCheckMode.Http => true,
            HealthCheckMode.Auto => !endpoint.Address.Tls || options.CaCertFile is not null || options.InsecureSkipVerify,
            _ => false,
        };
        return useHttp ? await ProbeHttpAsync(endpoint, stopping) : await ProbeTcpAsync(endpoint, stopping);
    }

    private async Task<ProbeResult> ProbeHttpAsync(Endpoint endpoint, CancellationToken stopping)
    {
        var response = await http.SendAsync(endpoint, HttpMethod.Get, "/health", null, MaxBodyBytes, stopping);
        if (!response.Answered)
        {
            return new ProbeResult(response.Connected ? EndpointHealth.AcceptsTcp : EndpointHealth.Unreachable, $"health probe: {response.Error}");
        }

        var body = response.Body.Trim();
        if (response.StatusCode == 200 && body.Replace(" ", "", StringComparison.Ordinal).Contains("\"health\":\"true\"", StringComparison.Ordinal))
        {
            return new ProbeResult(EndpointHealth.Healthy, null);
        }

        if (options.Mode == HealthCheckMode.Auto && body.Contains(PlainHttpToTlsPort, StringComparison.Ordinal))
        {
            return new ProbeResult(EndpointHealth.Healthy, null);
        }

        var excerpt = body.Length > 200 ? body[..200] : body;
        return new ProbeResult(EndpointHealth.Answering, $"health probe: HTTP {response.StatusCode} {excerpt}");
    }

    private async Task<ProbeResult> ProbeTcpAsync(Endpoint endpoint, CancellationToken stopping)
    {
        try
        {
            using var socket = await dialer.DialAsync(endpoint, stopping);
            return new ProbeResult(EndpointHealth.Healthy, null);
        }
        catch (DialException e)
        {
            return new ProbeResult(EndpointHealth.Unreachable, $"health probe: {e.Message}");
        }
    }
}
