namespace EtcdGateway.Cli;

/// <summary>
/// What <c>etcd-gateway grpc-proxy start</c> was told beyond the <see cref="GatewayOptions"/> both modes share: the L7-only
/// settings, validated. Defaults come from <see cref="GrpcProxyFlags.All"/>, never from here.
/// </summary>
internal sealed record GrpcProxyOptions
{
    /// <summary>Prefix added to every key (<c>--namespace</c>); empty: none.</summary>
    public required string Namespace { get; init; }

    /// <summary>The address registered under <see cref="ResolverPrefix"/> and answered by MemberList; empty: MemberList is forwarded.</summary>
    public required string AdvertiseClientUrl { get; init; }

    /// <summary>Where proxies register themselves (<c>--resolver-prefix</c>); empty: no registration.</summary>
    public required string ResolverPrefix { get; init; }

    /// <summary>The registration lease's TTL in seconds; at least 1 exactly when <see cref="ResolverPrefix"/> is set.</summary>
    public required int ResolverTtl { get; init; }

    /// <summary>TLS from the proxy to the members.</summary>
    public required ClusterTlsOptions ClusterTls { get; init; }

    /// <summary>TLS between clients and the proxy.</summary>
    public required ClientTlsOptions ClientTls { get; init; }

    /// <summary>The largest request sent to a member, in bytes (etcd's client MaxCallSendMsgSize).</summary>
    public required int MaxSendBytes { get; init; }

    /// <summary>The largest response accepted from a member, in bytes (etcd's client MaxCallRecvMsgSize).</summary>
    public required int MaxRecvBytes { get; init; }

    /// <summary>How often the proxy pings an idle connection to a member; zero: never.</summary>
    public required TimeSpan DialKeepAliveTime { get; init; }

    /// <summary>How long such a ping may go unanswered before the connection is closed.</summary>
    public required TimeSpan DialKeepAliveTimeout { get; init; }

    /// <summary>Ping members even when no call is open.</summary>
    public required bool PermitWithoutStream { get; init; }

    /// <summary>The shortest interval between pings a client may send (etcd's enforcement policy).</summary>
    public required TimeSpan GrpcKeepAliveMinTime { get; init; }

    /// <summary>How often the proxy pings a client connection; zero: never.</summary>
    public required TimeSpan GrpcKeepAliveInterval { get; init; }

    /// <summary>How long a ping to a client may go unanswered before its connection is closed; zero: no limit.</summary>
    public required TimeSpan GrpcKeepAliveTimeout { get; init; }

    /// <summary>Streams (calls) one client connection may have open at once.</summary>
    public required uint MaxConcurrentStreams { get; init; }

    /// <summary>Where generated (auto-TLS) certificates are kept.</summary>
    public required string DataDir { get; init; }

    /// <summary>Debug-level logging (<c>--debug</c>, as etcd's proxy spells it).</summary>
    public required bool Debug { get; init; }

    public required bool EnablePprof { get; init; }

    public required bool SerializableOrdering { get; init; }

    public required string LeasingPrefix { get; init; }

    public required bool EnableGrpcLogging { get; init; }

    /// <summary>Range answers the cache holds at most (<c>--cache-max-entries</c>); 0: no cache.</summary>
    public required int CacheMaxEntries { get; init; }

    /// <summary>Bytes of Range answers the cache holds at most (<c>--cache-max-bytes</c>).</summary>
    public required long CacheMaxBytes { get; init; }

    /// <summary>How long one cached answer is served before the cluster is asked again (<c>--cache-entry-ttl</c>).</summary>
    public required TimeSpan CacheEntryTtl { get; init; }

    /// <summary>Events each shared cluster watcher keeps in its history (<c>--watch-history-size</c>).</summary>
    public required int WatchHistorySize { get; init; }

    /// <summary>Catch-up watches held at once; more wait their turn (<c>--watch-catch-up-limit</c>).</summary>
    public required int WatchCatchUpLimit { get; init; }
}
