using EtcdGateway.Endpoints;

namespace EtcdGateway.Health;

/// <summary>Checks one endpoint once; never throws for the endpoint's failures (they are the result).</summary>
internal interface IEndpointProbe
{
    Task<ProbeResult> ProbeAsync(Endpoint endpoint, CancellationToken stopping);
}
