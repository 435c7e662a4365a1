namespace EtcdGateway.Cli;

/// <summary>
/// The flags of <c>etcd-gateway start</c>: etcd's gateway flags with their exact names and defaults, then ours. This table
/// is the one place a default is written: help prints it, the options builder parses it when a flag is not given, and
/// the config file accepts the same names.
/// </summary>
internal static class GatewayFlags
{
    public const string Endpoints = "endpoints";
    public const string ListenAddr = "listen-addr";
    public const string RetryDelay = "retry-delay";
    public const string DiscoverySrv = "discovery-srv";
    public const string DiscoverySrvName = "discovery-srv-name";
    public const string InsecureDiscovery = "insecure-discovery";
    public const string TrustedCaFile = "trusted-ca-file";
    public const string DnsServer = "dns-server";
    public const string DialTimeout = "dial-timeout";
    public const string DrainTimeout = "drain-timeout";
    public const string PickPolicy = "pick-policy";
    public const string LogLevel = "log-level";
    public const string HealthCheck = "health-check";
    public const string HealthInterval = "health-interval";
    public const string HealthTimeout = "health-timeout";
    public const string HealthUnhealthyThreshold = "health-unhealthy-threshold";
    public const string HealthHealthyThreshold = "health-healthy-threshold";
    public const string HealthCaCert = "health-cacert";
    public const string HealthCert = "health-cert";
    public const string HealthKey = "health-key";
    public const string EjectGrace = "eject-grace";
    public const string AutoSyncInterval = "endpoints-auto-sync-interval";
    public const string ConfigFile = "config-file";
    public const string MetricsAddr = "metrics-addr";

    public static readonly IReadOnlyList<FlagDefinition> All =
    [
        new(Endpoints, FlagKind.StringList, "127.0.0.1:2379", "comma-separated etcd client endpoints (host:port, [v6]:port; a bare host gets port 2379); repeatable"),
        new(ListenAddr, FlagKind.String, "127.0.0.1:23790", "address and port the gateway listens on for client connections"),
        new(RetryDelay, FlagKind.Duration, "1m0s", "how often an unavailable endpoint is retried"),
        new(DiscoverySrv, FlagKind.String, "", "DNS domain used to bootstrap the endpoints through SRV records"),
        new(DiscoverySrvName, FlagKind.String, "", "service name suffix for SRV discovery (_etcd-client-NAME._tcp)"),
        new(InsecureDiscovery, FlagKind.Bool, "false", "accept insecure (plain http) SRV records"),
        new(TrustedCaFile, FlagKind.String, "", "CA file used to verify endpoints found by SRV discovery (system roots when unset)"),
        new(DnsServer, FlagKind.StringList, "", "nameserver IP[:PORT] for SRV discovery instead of those in /etc/resolv.conf; repeatable"),
        new(DialTimeout, FlagKind.Duration, "2s", "how long a dial to an endpoint may take before the next endpoint is tried"),
        new(DrainTimeout, FlagKind.Duration, "30s", "on SIGTERM/SIGINT, how long open connections may finish before they are closed"),
        new(PickPolicy, FlagKind.String, "round-robin", "how a backend is chosen for each client connection: round-robin, random, least-connections, power-of-two-choices or weighted (SRV weights; the default with --discovery-srv)"),
        new(LogLevel, FlagKind.String, "info", "log level: debug, info, warn or error"),
        new(HealthCheck, FlagKind.String, "auto", "active health probe: auto (GET /health on plain endpoints, TCP connect on TLS ones unless --health-cacert is set), http, tcp or none"),
        new(HealthInterval, FlagKind.Duration, "1s", "how often each endpoint is probed"),
        new(HealthTimeout, FlagKind.Duration, "500ms", "how long one probe may take"),
        new(HealthUnhealthyThreshold, FlagKind.Int, "2", "consecutive failed probes that take an endpoint out of rotation"),
        new(HealthHealthyThreshold, FlagKind.Int, "2", "consecutive passed probes that put it back"),
        new(HealthCaCert, FlagKind.String, "", "CA bundle to verify TLS endpoints' certificates in health probes and member-list sync"),
        new(HealthCert, FlagKind.String, "", "client certificate (PEM) for health probes of TLS endpoints"),
        new(HealthKey, FlagKind.String, "", "client key (PEM) for --health-cert"),
        new(EjectGrace, FlagKind.Duration, "1s", "open connections to an endpoint taken out of rotation by health are closed after this (0s: never)"),
        new(AutoSyncInterval, FlagKind.Duration, "0s", "how often to replace the endpoints with the cluster's member list (0s: never)"),
        new(ConfigFile, FlagKind.String, "", "YAML file with the same keys as these flags; re-read on SIGHUP (command-line flags win)"),
        new(MetricsAddr, FlagKind.String, "", "admin listener for /metrics, /health, /status and the status page, e.g. http://127.0.0.1:9090 (off when unset)"),
    ];

    /// <summary>The table the shared options builder reads: SRV discovery verifies with --trusted-ca-file, and an endpoint
    /// written as a URL loses its scheme (TLS passes through the relay untouched).</summary>
    public static readonly FlagTable Table = new(All, TrustedCaFile, "stripped URL scheme from endpoint; the gateway passes TLS through and does not terminate it");

    /// <summary>The default of <paramref name="name"/>, as written in <see cref="All"/>.</summary>
    public static string DefaultOf(string name) => Table.DefaultOf(name);
}
