using EtcdGateway.Endpoints;

namespace EtcdGateway.Health;

/// <summary>One probe's verdict: the endpoint's health and, when it failed, why (for the log and the status).</summary>
internal sealed record ProbeResult(EndpointHealth Health, string? Error)
{
    public bool Passed => Health == EndpointHealth.Healthy;
}
