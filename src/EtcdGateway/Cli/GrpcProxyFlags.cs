namespace EtcdGateway.Cli;

/// <summary>
/// The flags of <c>etcd-gateway grpc-proxy start</c>: etcd's grpc-proxy flags (3.5/3.6) with their exact names, defaults
/// and help, then the gateway's own that apply to the proxy. As with <see cref="GatewayFlags"/>, this table is the one
/// place a default is written. Names shared with the gateway use the <see cref="GatewayFlags"/> constants.
/// </summary>
internal static class GrpcProxyFlags
{
    public const string DialKeepAliveTime = "dial-keepalive-time";
    public const string DialKeepAliveTimeout = "dial-keepalive-timeout";
    public const string PermitWithoutStream = "permit-without-stream";
    public const string AdvertiseClientUrl = "advertise-client-url";
    public const string ResolverPrefix = "resolver-prefix";
    public const string ResolverTtl = "resolver-ttl";
    public const string Namespace = "namespace";
    public const string EnablePprof = "enable-pprof";
    public const string DataDir = "data-dir";
    public const string MaxSendBytes = "max-send-bytes";
    public const string MaxRecvBytes = "max-recv-bytes";
    public const string GrpcKeepAliveMinTime = "grpc-keepalive-min-time";
    public const string GrpcKeepAliveInterval = "grpc-keepalive-interval";
    public const string GrpcKeepAliveTimeout = "grpc-keepalive-timeout";
    public const string Cert = "cert";
    public const string Key = "key";
    public const string CaCert = "cacert";
    public const string InsecureSkipTlsVerify = "insecure-skip-tls-verify";
    public const string CertFile = "cert-file";
    public const string KeyFile = "key-file";
    public const string TrustedCaFile = "trusted-ca-file";
    public const string ListenCipherSuites = "listen-cipher-suites";
    public const string AutoTls = "auto-tls";
    public const string ClientCrlFile = "client-crl-file";
    public const string SelfSignedCertValidity = "self-signed-cert-validity";
    public const string TlsMinVersion = "tls-min-version";
    public const string TlsMaxVersion = "tls-max-version";
    public const string SerializableOrdering = "experimental-serializable-ordering";
    public const string LeasingPrefix = "experimental-leasing-prefix";
    public const string EnableGrpcLogging = "experimental-enable-grpc-logging";
    public const string Debug = "debug";
    public const string MaxConcurrentStreams = "max-concurrent-streams";
    public const string CacheMaxEntries = "cache-max-entries";
    public const string CacheMaxBytes = "cache-max-bytes";
    public const string CacheEntryTtl = "cache-entry-ttl";
    public const string WatchHistorySize = "watch-history-size";
    public const string WatchCatchUpLimit = "watch-catch-up-limit";

    /// <summary>etcd's default: 1.5 MiB, the cluster's own request limit.</summary>
    public const int DefaultMaxSendBytes = 1536 * 1024;

    public static readonly IReadOnlyList<FlagDefinition> All =
    [
        // etcd's, in etcd's order.
        new(GatewayFlags.ListenAddr, FlagKind.String, "127.0.0.1:23790", "listen address (gRPC, and over HTTP/1.1 /health, /proxy/health, /metrics and /proxy/metrics, on one port)"),
        new(GatewayFlags.DiscoverySrv, FlagKind.String, "", "domain name to query for SRV records describing cluster endpoints"),
        new(GatewayFlags.DiscoverySrvName, FlagKind.String, "", "service name to query when using DNS discovery"),
        new(GatewayFlags.MetricsAddr, FlagKind.String, "", "admin listener for /metrics, /proxy/metrics, /health, /proxy/health, /status and the status page, e.g. http://127.0.0.1:9090 (off when unset)"),
        new(GatewayFlags.InsecureDiscovery, FlagKind.Bool, "false", "accept insecure SRV records"),
        new(GatewayFlags.Endpoints, FlagKind.StringList, "127.0.0.1:2379", "comma separated etcd cluster endpoints (host:port or http://host:port); repeatable"),
        new(GatewayFlags.AutoSyncInterval, FlagKind.Duration, "0s", "etcd endpoints auto sync interval (disabled by default)"),
        new(DialKeepAliveTime, FlagKind.Duration, "0s", "keepalive time for client(grpc-proxy) connections (default 0, disable)."),
        new(DialKeepAliveTimeout, FlagKind.Duration, "20s", "keepalive timeout for client(grpc-proxy) connections (default 20s)."),
        new(PermitWithoutStream, FlagKind.Bool, "false", "Enable client(grpc-proxy) to send keepalive pings even with no active RPCs."),
        new(AdvertiseClientUrl, FlagKind.String, "127.0.0.1:23790", "advertise address to register (must be reachable by client)"),
        new(ResolverPrefix, FlagKind.String, "", "prefix to use for registering proxy (must be shared with other grpc-proxy members)"),
        new(ResolverTtl, FlagKind.Int, "0", "specify TTL, in seconds, when registering proxy endpoints"),
        new(Namespace, FlagKind.String, "", "string to prefix to all keys for namespacing requests"),
        new(EnablePprof, FlagKind.Bool, "false", "Enable runtime profiling data via HTTP server. Address is at client URL + \"/debug/pprof/\""),
        new(DataDir, FlagKind.String, "default.proxy", "Data directory for persistent data"),
        new(MaxSendBytes, FlagKind.Int, "1572864", "message send limits in bytes (default value is 1.5 MiB)"),
        new(MaxRecvBytes, FlagKind.Int, "2147483647", "message receive limits in bytes (default value is math.MaxInt32)"),
        new(GrpcKeepAliveMinTime, FlagKind.Duration, "5s", "Minimum interval duration that a client should wait before pinging proxy (accepted, not enforced: the HTTP/2 server answers every ping; a value other than 5s is logged)"),
        new(GrpcKeepAliveInterval, FlagKind.Duration, "2h0m0s", "Frequency duration of server-to-client ping to check if a connection is alive (0 means gRPC's default, 2h; it does not disable the ping)."),
        new(GrpcKeepAliveTimeout, FlagKind.Duration, "20s", "Additional duration of wait before closing a non-responsive connection (0 means gRPC's default, 20s)."),
        new(Cert, FlagKind.String, "", "identify secure connections with etcd servers using this TLS certificate file"),
        new(Key, FlagKind.String, "", "identify secure connections with etcd servers using this TLS key file"),
        new(CaCert, FlagKind.String, "", "verify certificates of TLS-enabled secure etcd servers using this CA bundle"),
        new(InsecureSkipTlsVerify, FlagKind.Bool, "false", "skip authentication of etcd server TLS certificates (CAUTION: this option should be enabled only for testing purposes)"),
        new(CertFile, FlagKind.String, "", "identify secure connections to the proxy using this TLS certificate file"),
        new(KeyFile, FlagKind.String, "", "identify secure connections to the proxy using this TLS key file"),
        new(TrustedCaFile, FlagKind.String, "", "verify certificates of TLS-enabled secure proxy using this CA bundle"),
        new(ListenCipherSuites, FlagKind.StringList, "", "Comma-separated list of supported TLS cipher suites between client/proxy (empty will be auto-populated)."),
        new(AutoTls, FlagKind.Bool, "false", "proxy TLS using generated certificates"),
        new(ClientCrlFile, FlagKind.String, "", "proxy client certificate revocation list file."),
        new(SelfSignedCertValidity, FlagKind.Int, "1", "The validity period of the proxy certificates, unit is year"),
        new(TlsMinVersion, FlagKind.String, "TLS1.2", "Minimum TLS version supported by grpc proxy. Possible values: TLS1.2, TLS1.3."),
        new(TlsMaxVersion, FlagKind.String, "", "Maximum TLS version supported by grpc proxy. Possible values: TLS1.2, TLS1.3 (empty: the highest available)."),
        new(SerializableOrdering, FlagKind.Bool, "false", "Ensure serializable reads have monotonically increasing store revisions across endpoints."),
        new(LeasingPrefix, FlagKind.String, "", "leasing metadata prefix for disconnected linearized reads."),
        new(EnableGrpcLogging, FlagKind.Bool, "false", "logging all grpc requests and responses"),
        new(Debug, FlagKind.Bool, "false", "Enable debug-level logging for grpc-proxy (same as --log-level=debug)."),
        new(MaxConcurrentStreams, FlagKind.Int, "4294967295", "Maximum concurrent streams that each client can open at a time."),

        // The gateway's own.
        new(CacheMaxEntries, FlagKind.Int, "2048", "serializable Range answers the cache holds at most, least recently used dropped first (etcd's proxy: 2048); 0 turns the cache off"),
        new(CacheMaxBytes, FlagKind.Int, "67108864", "bytes of cached Range answers held at most"),
        new(CacheEntryTtl, FlagKind.Duration, "1s", "how long one cached Range answer is served before the cluster is asked again (re-checks the caller's permission; writes are seen sooner, through the cache's watch)"),
        new(WatchHistorySize, FlagKind.Int, "10000", "events each shared cluster watcher keeps for client watchers that start in the past or fall behind (at most 64 MiB of them); older ones get a catch-up watch of their own"),
        new(WatchCatchUpLimit, FlagKind.Int, "128", "catch-up watches (client watchers older than the history, each with a cluster watcher of its own) held at once; more wait their turn, first come first served"),
        new(GatewayFlags.DnsServer, FlagKind.StringList, "", "nameserver IP[:PORT] for SRV discovery instead of those in /etc/resolv.conf; repeatable"),
        new(GatewayFlags.RetryDelay, FlagKind.Duration, "1m0s", "how often a member out of rotation is retried when --health-check=none"),
        new(GatewayFlags.DialTimeout, FlagKind.Duration, "2s", "how long connecting to a member may take before a call goes to the next member"),
        new(GatewayFlags.DrainTimeout, FlagKind.Duration, "30s", "on SIGTERM/SIGINT, how long calls and streams in flight may finish before they are ended"),
        new(GatewayFlags.PickPolicy, FlagKind.String, "round-robin", "how a member is chosen for each call: round-robin, random, least-connections, power-of-two-choices or weighted (SRV weights; the default with --discovery-srv)"),
        new(GatewayFlags.LogLevel, FlagKind.String, "info", "log level: debug, info, warn or error"),
        new(GatewayFlags.HealthCheck, FlagKind.String, "auto", "active health probe: auto (GET /health on plain members, and on TLS ones when a CA is given or --insecure-skip-tls-verify; TCP connect otherwise), http, tcp or none"),
        new(GatewayFlags.HealthInterval, FlagKind.Duration, "1s", "how often each member is probed"),
        new(GatewayFlags.HealthTimeout, FlagKind.Duration, "500ms", "how long one probe may take"),
        new(GatewayFlags.HealthUnhealthyThreshold, FlagKind.Int, "2", "consecutive failed probes that take a member out of rotation"),
        new(GatewayFlags.HealthHealthyThreshold, FlagKind.Int, "2", "consecutive passed probes that put it back"),
        new(GatewayFlags.HealthCaCert, FlagKind.String, "", "CA bundle to verify TLS members' certificates in health probes and member-list sync (default: --cacert)"),
        new(GatewayFlags.HealthCert, FlagKind.String, "", "client certificate (PEM) for health probes and member-list sync of TLS members (default: --cert)"),
        new(GatewayFlags.HealthKey, FlagKind.String, "", "client key (PEM) for --health-cert (default: --key)"),
        new(GatewayFlags.EjectGrace, FlagKind.Duration, "1s", "calls and streams on a member taken out of rotation by health are ended after this, so clients move on (0s: never)"),
        new(GatewayFlags.ConfigFile, FlagKind.String, "", "YAML file with the same keys as these flags; re-read on SIGHUP (command-line flags win)"),
    ];

    /// <summary>
    /// The table the shared options builder reads: SRV discovery verifies members with --cacert, as etcd's proxy does, and
    /// an endpoint's <c>http://</c> or <c>https://</c> is how the proxy speaks to that member, not something to warn about.
    /// </summary>
    public static readonly FlagTable Table = new(All, CaCert, null);
}
