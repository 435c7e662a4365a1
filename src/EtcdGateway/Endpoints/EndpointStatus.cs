namespace EtcdGateway.Endpoints;

/// <summary>An endpoint and whether it is in rotation, as of one snapshot. Immutable.</summary>
internal sealed record EndpointStatus(Endpoint Endpoint, bool IsAvailable, DateTimeOffset Since, string? LastError);
