using EtcdGateway.Endpoints;

namespace EtcdGateway.Admin;

/// <summary>How /status and /metrics name an endpoint's place in rotation.</summary>
internal static class EndpointState
{
    public const string Up = "up";
    public const string Down = "down";
    public const string Panic = "panic";

    public static string Of(EndpointStatus status, EndpointSnapshot snapshot) =>
        status.IsAvailable ? Up : snapshot.IsPanic && snapshot.Routable.Contains(status.Endpoint) ? Panic : Down;
}
