using EtcdGateway.Balancing;
using EtcdGateway.Discovery;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;

namespace EtcdGateway.Cli;

/// <summary>
/// What both modes are told, validated: everything of <c>etcd-gateway start</c>, and the shared part of
/// <c>grpc-proxy start</c> (its own part is <see cref="GrpcProxyOptions"/>). Host names are not resolved yet. Defaults come
/// from the command's flag table (<see cref="GatewayFlags.All"/>, <see cref="GrpcProxyFlags.All"/>), never from here.
/// </summary>
internal sealed record GatewayOptions
{
    public required IReadOnlyList<EndpointAddress> Endpoints { get; init; }

    public required EndpointAddress ListenAddress { get; init; }

    public required TimeSpan RetryDelay { get; init; }

    public required TimeSpan DialTimeout { get; init; }

    public required TimeSpan DrainTimeout { get; init; }

    public required PickPolicyKind PickPolicy { get; init; }

    public required LogLevel LogLevel { get; init; }

    public required HealthOptions Health { get; init; }

    /// <summary>How often the endpoint set is replaced by the cluster's member list; zero: never.</summary>
    public required TimeSpan AutoSyncInterval { get; init; }

    /// <summary>DNS SRV discovery (<c>--discovery-srv</c>), which then owns the endpoint set; null when off.</summary>
    public SrvDiscoveryOptions? Discovery { get; init; }

    /// <summary>Where <see cref="Endpoints"/> came from: <c>flag</c> (or the default), <c>config-file</c> or <c>dns-srv</c>.</summary>
    public string EndpointsSource { get; init; } = "flag";

    /// <summary>The admin listener (<c>--metrics-addr</c>), or null when it is off.</summary>
    public EndpointAddress? MetricsAddress { get; init; }

    /// <summary>The YAML file the options were read from, re-read on SIGHUP; null when there is none.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Things worth a log line once the logger exists (a default port assumed, a scheme stripped).</summary>
    public IReadOnlyList<StartupNotice> Notices { get; init; } = [];
}
