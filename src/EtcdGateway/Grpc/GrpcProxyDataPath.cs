using EtcdGateway.Admin;
using EtcdGateway.Cli;
using EtcdGateway.Grpc.Cache;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Registration;
using EtcdGateway.Grpc.Serving;
using EtcdGateway.Grpc.Tls;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Hosting;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Microsoft.AspNetCore.Builder;

namespace EtcdGateway.Grpc;

/// <summary>
/// The L7 proxy's client-facing side, as the host runs it: Kestrel serving etcd's API on the host's listening socket,
/// every call forwarded to a member through <see cref="ClusterCallInvoker"/>; with <c>--resolver-prefix</c>, registered for
/// discovery while it serves. Nothing of it exists in the L4 gateway's process: it is made only by <c>grpc-proxy start</c>.
/// </summary>
internal sealed class GrpcProxyDataPath : IDataPath
{
    private readonly WebApplication _app;
    private readonly SharedPortTransport _transport;
    private readonly MemberChannels _members;
    private readonly ProxyRegistrar? _registrar;
    private readonly ProxyItselfHealthCheck _itself;
    private readonly JsonLogger _logger;
    private readonly CancellationTokenSource _draining;
    private readonly CancellationTokenSource _stopNow = new();
    private readonly TimeProvider _time;
    private Task? _kestrelStopped;

    private GrpcProxyDataPath(
        WebApplication app, SharedPortTransport transport, MemberChannels members, CancellationTokenSource draining, ProxyRegistrar? registrar, ProxyItselfHealthCheck itself, JsonLogger logger, IAdminModeView adminView, TimeProvider time)
    {
        _time = time;
        _app = app;
        _transport = transport;
        _members = members;
        _draining = draining;
        _registrar = registrar;
        _itself = itself;
        _logger = logger;
        AdminView = adminView;
    }

    public IAdminModeView AdminView { get; }

    /// <summary>The L7 mode's data path from the shared parts and the proxy's own options.</summary>
    public static IDataPath Create(DataPathParts parts, GrpcProxyOptions options)
    {
        // The proxy's own figures: what the admin listener shows, fed from the serving side, the member channels and
        // (later) the coalescing and caching parts.
        var served = new GrpcServerMetrics(EtcdServices.Methods);
        var upstream = new UpstreamCallMetrics();
        var connections = new ClientConnectionMetrics(parts.Time);
        var proxy = new ProxyMetrics();

        var members = new MemberChannels(parts.Picker.Registry, options, new MemberTls(options.ClusterTls, parts.Logger, parts.Time), parts.DialTimeout, upstream, parts.Time);
        var cluster = new ClusterCallInvoker(parts.Picker, members, parts.Tracker);

        // Streams move to another member when theirs fails, until the drain begins: then they end with it.
        var draining = new CancellationTokenSource();
        var streams = new MemberStreams(parts.Picker, members, parts.Tracker, parts.Time, draining.Token);
        var tls = ClientTls(options, parts);
        var transport = new SharedPortTransport(parts.ListenSocket, tls is not null, parts.Logger, parts.Time);
        var registration = ProxyRegistrationOptions.From(options);
        var proxyMembers = ProxyMemberList.For(cluster, registration, parts.Time);
        var cacheOptions = CacheOptions(options);
        var rangeCache = cacheOptions.Enabled ? RangeCache.Create(cluster, cacheOptions, proxy.RangeCache, parts.Logger, parts.Time, draining.Token) : null;
        var registrar = registration.Registers ? new ProxyRegistrar(cluster, registration, parts.Logger, parts.Time) : null;

        // One health check of each kind and one metrics page for both ports: the listen port's and the admin listener's.
        var health = new ProxyHealthCheck(new KV.KVClient(cluster), parts.Logger, parts.Time);
        var itself = new ProxyItselfHealthCheck(transport.ListenAddress, tls, parts.Logger, parts.Time);
        var view = new GrpcProxyAdminView(served, upstream, connections, proxy, parts.Tracker.MaxConnections, health.HandleAsync, itself.HandleAsync);
        var pages = new ListenPortPages(health.HandleAsync, itself.HandleAsync, () => MetricsReport.Write(parts.Picker.Registry, parts.Metrics, view));
        var app = GrpcProxyServer.Build(
            transport, tls, cluster, streams, options, proxyMembers, parts.Tracker.MaxConnections, pages, new GrpcServerMetricsInterceptor(served, parts.Time), connections, proxy, rangeCache);
        return new GrpcProxyDataPath(app, transport, members, draining, registrar, itself, parts.Logger, view, parts.Time);
    }

    /// <summary>The range cache's settings from its flags; the cache's watches end with the drain, when nothing more is served from it.</summary>
    private static RangeCacheOptions CacheOptions(GrpcProxyOptions options) => new()
    {
        MaxEntries = options.CacheMaxEntries,
        MaxBytes = options.CacheMaxBytes,
        EntryTtl = options.CacheEntryTtl,
    };

    /// <summary>
    /// TLS to clients with <c>--cert-file</c>/<c>--key-file</c>, else with <c>--auto-tls</c>'s certificate (etcd's order:
    /// given files win); null for plain HTTP.
    /// </summary>
    private static ClientTlsTerminator? ClientTls(GrpcProxyOptions options, DataPathParts parts)
    {
        var tls = options.ClientTls;
        if (!tls.IsConfigured)
        {
            return null;
        }

        var (cert, key) = tls.CertFile is { } certFile && tls.KeyFile is { } keyFile
            ? (certFile, keyFile)
            : SelfSignedCertificate.Ensure(options.DataDir, tls.ListenHost, tls.SelfSignedCertValidityYears, parts.Time, parts.Logger);
        parts.Logger.Info("gRPC proxy server TLS", [
            new("cert-file", cert), new("key-file", key), new("trusted-ca-file", tls.TrustedCaFile), new("client-crl-file", tls.CrlFile),
            new("auto-tls", tls.CertFile is null), new("min-version", VersionName(tls.MinVersion)), new("max-version", VersionName(tls.MaxVersion)),
            new("cipher-suites", tls.CipherSuites.Select(s => s.ToString()).ToArray())]);
        return new ClientTlsTerminator(tls, cert, key, parts.Logger);
    }

    private static string VersionName(System.Security.Authentication.SslProtocols version) => version switch
    {
        System.Security.Authentication.SslProtocols.Tls12 => "TLS1.2",
        System.Security.Authentication.SslProtocols.Tls13 => "TLS1.3",
        _ => "",
    };

    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        await _app.StartAsync(stopping);

        // etcd's line, which its tests and scripts wait for; the address is the one bound (so :0 shows its port).
        _logger.Info("started gRPC proxy", [new("address", _transport.ListenAddress.ToString())]);
        _ = StartupGarbageRelease.RunAsync(_time, stopping);

        // Registered once serving, so whoever finds the proxy through it can connect; revoked before the drain, so clients
        // stop finding it while it finishes what is open.
        using var unregister = new CancellationTokenSource();
        var registered = _registrar?.RunAsync(unregister.Token) ?? Task.CompletedTask;

        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool clean;
        using (stopping.Register(() => stopped.TrySetResult(true)))
        {
            clean = await await Task.WhenAny(stopped.Task, _transport.AcceptEnded);
        }

        await unregister.CancelAsync();
        await registered;

        // Stop accepting, then let Kestrel stop gracefully (streams stop moving between members first): HTTP/2 clients are told (GOAWAY) to open no new streams here,
        // open calls and streams go on. The host's drain decides how long they may; Dispose ends what is left.
        await _draining.CancelAsync();
        await _transport.StopAcceptingAsync();
        _kestrelStopped = _app.StopAsync(_stopNow.Token);
        return clean;
    }

    public void Dispose()
    {
        _stopNow.Cancel();
        try
        {
            (_kestrelStopped ?? _app.StopAsync(_stopNow.Token)).Wait(TimeSpan.FromSeconds(5));
            _app.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            _transport.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException e)
        {
            _logger.Warn("gRPC proxy server did not stop cleanly", [.. LogField.Unexpected(e)]);
        }

        _itself.Dispose();
        _members.Dispose();
        _draining.Dispose();
        _stopNow.Dispose();
    }
}
