namespace EtcdGateway.Endpoints;

/// <summary>An endpoint, whether it is in rotation, and what its health probe last said, as of one snapshot. Immutable.</summary>
internal sealed record EndpointStatus(Endpoint Endpoint, bool IsAvailable, DateTimeOffset Since, string? LastError)
{
    public EndpointHealth Health { get; init; } = EndpointHealth.Unknown;
}
