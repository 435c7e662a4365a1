using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Balancing;

/// <summary>
/// What every client connection (or call) uses to choose its endpoint: the endpoint set, the pick policy in force
/// (swapped whole on reload), and what a failed dial needs for its log line. One per process, shared by all.
/// </summary>
internal sealed class EndpointPicker(EndpointRegistry registry, IPickPolicy policy, JsonLogger logger, Func<TimeSpan> retryDelay, TimeProvider time)
{
    private IPickPolicy _policy = policy;

    public EndpointRegistry Registry => registry;

    public JsonLogger Logger => logger;

    /// <summary>
    /// Paces the warning that no endpoint is left, logged per client (connection or call): with the cluster down and
    /// clients retrying in a loop it would otherwise be one line per attempt.
    /// </summary>
    public RepeatedWarningLimiter NoneLeftWarnings { get; } = new(time, RepeatedWarningLimiter.DefaultInterval);

    /// <summary>How often an endpoint out of rotation is retried, for the <c>deactivated endpoint</c> line.</summary>
    public TimeSpan RetryDelay => retryDelay();

    public IPickPolicy Policy
    {
        get => Volatile.Read(ref _policy);
        set => Volatile.Write(ref _policy, value);
    }

    /// <summary>The state of one client's choice: which endpoints it tried, whether its last resort is spent.</summary>
    public BackendSelection NewSelection() => new(this);
}
