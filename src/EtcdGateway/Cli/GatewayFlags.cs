namespace EtcdGateway.Cli;

/// <summary>The flags of <c>etcd-gateway start</c>: etcd's gateway flags with their exact names and defaults, then ours.</summary>
internal static class GatewayFlags
{
    public const string Endpoints = "endpoints";
    public const string ListenAddr = "listen-addr";
    public const string RetryDelay = "retry-delay";
    public const string DiscoverySrv = "discovery-srv";
    public const string DiscoverySrvName = "discovery-srv-name";
    public const string InsecureDiscovery = "insecure-discovery";
    public const string TrustedCaFile = "trusted-ca-file";
    public const string DialTimeout = "dial-timeout";
    public const string DrainTimeout = "drain-timeout";
    public const string PickPolicy = "pick-policy";
    public const string LogLevel = "log-level";

    public static readonly IReadOnlyList<FlagDefinition> All =
    [
        new(Endpoints, FlagKind.StringList, "127.0.0.1:2379", "comma-separated etcd client endpoints (host:port, [v6]:port; a bare host gets port 2379); repeatable"),
        new(ListenAddr, FlagKind.String, "127.0.0.1:23790", "address and port the gateway listens on for client connections"),
        new(RetryDelay, FlagKind.Duration, "1m0s", "how often an unavailable endpoint is retried"),
        new(DiscoverySrv, FlagKind.String, "", "DNS domain used to bootstrap the endpoints through SRV records"),
        new(DiscoverySrvName, FlagKind.String, "", "service name suffix for SRV discovery (_etcd-client-NAME._tcp)"),
        new(InsecureDiscovery, FlagKind.Bool, "false", "accept insecure (plain http) SRV records"),
        new(TrustedCaFile, FlagKind.String, "", "CA file used to verify endpoints found by SRV discovery"),
        new(DialTimeout, FlagKind.Duration, "2s", "how long a dial to an endpoint may take before the next endpoint is tried"),
        new(DrainTimeout, FlagKind.Duration, "30s", "on SIGTERM/SIGINT, how long open connections may finish before they are closed"),
        new(PickPolicy, FlagKind.String, "round-robin", "how a backend is chosen for each client connection: round-robin or random"),
        new(LogLevel, FlagKind.String, "info", "log level: debug, info, warn or error"),
    ];
}
