namespace EtcdGateway.Endpoints;

/// <summary>What one HTTP exchange with an endpoint gave: the status and body, or how far it got before failing.</summary>
internal sealed record EndpointHttpResponse(int? StatusCode, string Body, bool Connected, string? Error)
{
    public bool Answered => StatusCode is not null;
}
