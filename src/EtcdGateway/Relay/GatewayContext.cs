using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>The shared, long-lived parts every client connection uses; <see cref="Settings"/> is swapped whole on reload.</summary>
internal sealed class GatewayContext(EndpointRegistry registry, ConnectionTracker tracker, JsonLogger logger, LiveSettings settings)
{
    /// <summary>When the gateway started serving (for uptime).</summary>
    public DateTimeOffset StartTime { get; } = DateTimeOffset.UtcNow;

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
}
