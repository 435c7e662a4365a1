using EtcdGateway.Endpoints;

namespace EtcdGateway.Cli;

/// <summary>Builds the options of <c>grpc-proxy start</c> from the command line and the config file beneath it.</summary>
internal static class GrpcProxyConfiguration
{
    /// <summary>
    /// The shared options and the proxy's own, from the same flags. Everything is checked first; then a flag whose
    /// behaviour is not built yet is refused (<see cref="NotYetSupportedFlags"/>). <c>--debug</c> means
    /// <c>--log-level=debug</c>, as in etcd. The TLS to the cluster reaches the shared parts: which members are TLS, and
    /// what health probes and member-list sync present and trust (<see cref="WithClusterTls"/>).
    /// </summary>
    public static (GatewayOptions Shared, GrpcProxyOptions Proxy) Load(ParsedFlags commandLine)
    {
        IReadOnlyList<EndpointAddress> schemeless = [];
        var (shared, proxy) = GatewayConfiguration.Load(commandLine, GrpcProxyFlags.Table, flags =>
        {
            var options = GrpcProxyOptionsBuilder.Build(flags);
            NotYetSupportedFlags.Check(flags, options);
            schemeless = SchemelessEndpoints(new FlagValues(flags, GrpcProxyFlags.Table));
            return options;
        });
        shared = WithClusterTls(shared, proxy.ClusterTls, schemeless);
        shared = WithKeepAliveMinTimeNotice(shared, proxy.GrpcKeepAliveMinTime);
        proxy = proxy with { ClusterTls = proxy.ClusterTls with { AlternativeCertificateName = shared.Health.AlternativeCertificateName } };
        return (proxy.Debug ? shared with { LogLevel = Logging.LogLevel.Debug } : shared, proxy);
    }

    /// <summary>
    /// etcd's server sends a client that pings more often than <c>--grpc-keepalive-min-time</c> GOAWAY ENHANCE_YOUR_CALM
    /// ("too_many_pings"). Kestrel's HTTP/2 server answers every ping and has no such policy, so the flag is accepted (a
    /// configuration written for etcd's proxy starts unchanged) and a value other than etcd's default is reported at start:
    /// clients are held to no minimum, which is more lenient than etcd, never stricter.
    /// </summary>
    private static GatewayOptions WithKeepAliveMinTimeNotice(GatewayOptions shared, TimeSpan minTime)
    {
        var etcdDefault = Logging.GoDuration.TryParse(GrpcProxyFlags.Table.DefaultOf(GrpcProxyFlags.GrpcKeepAliveMinTime), out var parsed, out _) ? parsed : minTime;
        if (minTime == etcdDefault)
        {
            return shared;
        }

        var value = Logging.GoDuration.Format(minTime);
        return shared with
        {
            Notices = [.. shared.Notices, new StartupNotice(Logging.LogLevel.Warn,
                "--grpc-keepalive-min-time is not enforced: the HTTP/2 server answers every client ping, however often", GrpcProxyFlags.GrpcKeepAliveMinTime, value)],
        };
    }

    /// <summary>
    /// What the TLS flags to the cluster mean for the shared parts, as etcd's proxy (one client for calls, health and sync)
    /// gives them meaning:
    /// <list type="bullet">
    /// <item>With any of them given, a member written without a scheme is dialled with TLS (etcd's client does so when it
    /// has a TLS configuration); <c>http://</c> stays plain.</item>
    /// <item>Health probes and member-list sync present <c>--cert</c>/<c>--key</c> and trust <c>--cacert</c> unless the
    /// gateway's <c>--health-cert</c>/<c>--health-key</c>/<c>--health-cacert</c> say otherwise: a member that asks for
    /// client certificates asks the probe too, and a probe that trusted something else than the calls would judge members
    /// by another rule. <c>--insecure-skip-tls-verify</c> reaches them as well.</item>
    /// </list>
    /// </summary>
    private static GatewayOptions WithClusterTls(GatewayOptions shared, ClusterTlsOptions tls, IReadOnlyList<EndpointAddress> schemeless)
    {
        if (!tls.IsConfigured)
        {
            return shared;
        }

        var health = shared.Health;
        var ownPair = health.CertFile is not null;
        return shared with
        {
            Endpoints = [.. shared.Endpoints.Select(e => schemeless.Contains(e) ? e with { Tls = true } : e)],
            Health = health with
            {
                CaCertFile = health.CaCertFile ?? tls.CaFile,
                CertFile = ownPair ? health.CertFile : tls.CertFile,
                KeyFile = ownPair ? health.KeyFile : tls.KeyFile,
                InsecureSkipVerify = tls.InsecureSkipVerify,
            },
        };
    }

    /// <summary>The endpoints written without <c>http://</c> or <c>https://</c>, parsed as the shared builder parses them.</summary>
    private static IReadOnlyList<EndpointAddress> SchemelessEndpoints(FlagValues values) =>
    [
        .. values.List(GatewayFlags.Endpoints)
            .Select(text => EndpointAddress.TryParse(text, out var address, out _, out var notes) && !notes.HasFlag(EndpointParseNotes.SchemeStripped) ? address : null)
            .OfType<EndpointAddress>(),
    ];
}
