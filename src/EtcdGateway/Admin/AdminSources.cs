using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;

namespace EtcdGateway.Admin;

/// <summary>
/// What the admin listener reads its answers from: the endpoint snapshot, the shared counters, the mode's view and the
/// options in force, never the data path itself.
/// </summary>
internal sealed record AdminSources(
    EndpointRegistry Registry, GatewayMetrics Metrics, IAdminModeView View, LiveSettings Settings, TimeProvider Time, DateTimeOffset StartTime, string Listen, JsonLogger Logger);
