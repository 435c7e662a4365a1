using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>The shared, long-lived parts every client connection uses; <see cref="Settings"/> is swapped whole on reload.</summary>
internal sealed class GatewayContext(EndpointRegistry registry, ConnectionTracker tracker, JsonLogger logger, LiveSettings settings, TimeProvider time)
{
    public TimeProvider Time => time;

    /// <summary>When the gateway started serving (for uptime).</summary>
    public DateTimeOffset StartTime { get; } = time.GetUtcNow();

    public Admin.GatewayMetrics Metrics { get; } = new();

    private LiveSettings _settings = settings;

    public EndpointRegistry Registry => registry;

    public ConnectionTracker Tracker => tracker;

    public JsonLogger Logger => logger;

    public LiveSettings Settings
    {
        get => Volatile.Read(ref _settings);
        set => Volatile.Write(ref _settings, value);
    }

    /// <summary>Makes <paramref name="endpoints"/> the endpoint set (auto-sync, reload) and logs what changed, if anything.</summary>
    public void ReplaceEndpoints(IReadOnlyList<Endpoint> endpoints, string source)
    {
        var change = registry.SetEndpoints(endpoints, source);
        if (!change.IsEmpty)
        {
            logger.Info("endpoint set changed", [
                new("added", change.Added.Select(e => e.Name).ToArray()), new("removed", change.Removed.Select(e => e.Name).ToArray()),
                new("source", source), new("endpoints", endpoints.Select(e => e.Name).ToArray())]);
        }
    }
}
