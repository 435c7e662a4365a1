namespace EtcdGateway.Endpoints;

/// <summary>An endpoint, whether it is in rotation, and what its health probe last said, as of one snapshot. Immutable.</summary>
internal sealed record EndpointStatus(Endpoint Endpoint, bool IsAvailable, DateTimeOffset Since, string? LastError)
{
    public EndpointHealth Health { get; init; } = EndpointHealth.Unknown;

    /// <summary>Where the endpoint came from: <c>flag</c>, <c>config-file</c> or <c>member-list</c>.</summary>
    public string Source { get; init; } = "flag";
}
