namespace EtcdGateway.Endpoints;

/// <summary>The names /status and the log lines give an <see cref="EndpointHealth"/>: words, joined by hyphens.</summary>
internal static class EndpointHealthNames
{
    public const string NotChecked = "not-checked";
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string AcceptsTcpOnly = "accepts-tcp-only";
    public const string Unreachable = "unreachable";

    public static string Of(EndpointHealth health) => health switch
    {
        EndpointHealth.Unknown => NotChecked,
        EndpointHealth.Healthy => Healthy,
        EndpointHealth.Answering => Unhealthy,
        EndpointHealth.AcceptsTcp => AcceptsTcpOnly,
        EndpointHealth.Unreachable => Unreachable,
        _ => throw new ArgumentOutOfRangeException(nameof(health), health, null),
    };
}
