using EtcdGateway.Balancing;
using EtcdGateway.Discovery;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;

namespace EtcdGateway.Cli;

/// <summary>Everything <c>etcd-gateway start</c> was told, validated. Host names are not resolved yet.</summary>
internal sealed record GatewayOptions
{
    public required IReadOnlyList<EndpointAddress> Endpoints { get; init; }

    public required EndpointAddress ListenAddress { get; init; }

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public PickPolicyKind PickPolicy { get; init; } = PickPolicyKind.RoundRobin;

    public LogLevel LogLevel { get; init; } = LogLevel.Info;

    public HealthOptions Health { get; init; } = new();

    /// <summary>How often the endpoint set is replaced by the cluster's member list; zero: never.</summary>
    public TimeSpan AutoSyncInterval { get; init; }

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
