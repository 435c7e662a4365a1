using EtcdGateway.Admin;
using EtcdGateway.Balancing;
using EtcdGateway.Cli;
using EtcdGateway.Discovery;
using EtcdGateway.Discovery.Dns;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;


namespace EtcdGateway.Hosting;

/// <summary>
/// Runs a mode: resolve and bind (any problem is a usage error, exit 2, nothing started), wire the shared parts
/// (endpoint set, health, discovery, reload, admin listener), serve through the mode's data path until a signal, then
/// drain open connections for up to <c>--drain-timeout</c>. The one place where the parts are put together.
/// </summary>
internal static class GatewayHost
{
    /// <summary>Exit code when the listener breaks for good: never 0, so a supervisor restarts us.</summary>
    public const int FatalExitCode = 1;

    public static async Task<int> RunAsync(GatewayOptions options, ParsedFlags commandLine, HostedMode mode, JsonLogger logger, TimeProvider time, Random random)
    {
        // :: Step 1: resolve the listen address and the endpoints, then bind. Errors throw UsageException; nothing has started.
        var listenEndPoint = await ListenSocketFactory.ResolveAsync(options.ListenAddress);
        var discovery = options.Discovery is { } srv ? CreateDiscovery(srv, options, logger, time) : null;
        var (endpoints, dnsTtl) = discovery is null ? (await ResolveStaticEndpointsAsync(options, listenEndPoint), TimeSpan.Zero) : await DiscoverAsync(discovery, options.ConfigFile, logger);
        using var listenSocket = ListenSocketFactory.Bind(listenEndPoint, options.ListenAddress.ToString());
        using var signals = new ShutdownSignals(logger);
        LogNotices(options.Notices, logger);

        // :: Step 2: wire the parts. Each gets only what it uses; the live options are read through small functions, so
        // a reload reaches every part at its next use.
        var settings = new LiveSettings(options);
        var registry = new EndpointRegistry(endpoints, time, options.EndpointsSource);
        var updater = new EndpointSetUpdater(registry, logger);
        var metrics = new GatewayMetrics();
        var startTime = time.GetUtcNow();
        using var tracker = new ConnectionTracker(FileDescriptorBudget.ForThisProcess() ?? int.MaxValue / 2);
        var picker = new EndpointPicker(registry, PickPolicyFactory.Create(options.PickPolicy, random), logger, () => settings.Options.RetryDelay, time);
        using var monitor = new EndpointMonitor(registry, tracker, metrics, logger,
            () => new MonitorSettings(settings.Options.Health, settings.Options.RetryDelay, settings.Options.DialTimeout), time);
        using var sync = new MemberListSync(updater, registry, logger, () => new MemberListSyncSettings(settings.Options.AutoSyncInterval, settings.Options.Health), time);
        using var reloader = new ConfigurationReloader(commandLine, mode.ReloadOptions, settings, picker, updater, logger, listenEndPoint, random, discovery);
        var refresher = discovery is null ? null : new SrvEndpointRefresher(discovery, updater, registry, logger, time);
        using var dataPath = mode.CreateDataPath(new DataPathParts(listenSocket, tracker, picker, metrics, logger, () => settings.Options.DialTimeout, time));
        var listen = listenSocket.LocalEndPoint?.ToString() ?? options.ListenAddress.ToString();
        await using var admin = options.MetricsAddress is { } metricsAddress
            ? await AdminServer.StartAsync(
                metricsAddress,
                await ListenSocketFactory.ResolveAsync(metricsAddress, GatewayFlags.MetricsAddr, $"http://{metricsAddress}"),
                new AdminSources(registry, metrics, dataPath.AdminView, settings, time, startTime, listen, logger))
            : null;

        // :: Step 3: serve. The ready line's fields are built only when it is written.
        if (logger.IsEnabled(LogLevel.Info))
        {
            LogReady(options, logger, endpoints, listenSocket, tracker, admin);
        }

        var notifier = SystemdNotifier.FromEnvironment();
        notifier.Notify("READY=1");

        // The accept loop first: its first await hands back here, so the first client is served while the monitor's
        // first round (HTTP client set-up) is still starting rather than after it.
        using var background = new CancellationTokenSource();
        var listening = dataPath.RunAsync(signals.Stopping);
        var monitorTask = monitor.RunAsync(background.Token);
        var syncTask = sync.RunAsync(background.Token);
        var refreshTask = refresher?.RunAsync(dnsTtl, background.Token) ?? Task.CompletedTask;
        var stoppedCleanly = await listening;

        // :: Step 4: stop accepting at once, then drain.
        notifier.Notify("STOPPING=1");
        listenSocket.Dispose();
        await DrainAsync(tracker, settings.Options.DrainTimeout, logger, time);
        await background.CancelAsync();
        await Task.WhenAll(monitorTask, syncTask, refreshTask);

        if (!stoppedCleanly)
        {
            logger.Error($"{mode.Name} stopped after a fatal listener error", [new("exit-code", FatalExitCode)]);
            return FatalExitCode;
        }

        logger.Info($"{mode.Name} stopped");
        return 0;
    }

    private static async Task<IReadOnlyList<Endpoint>> ResolveStaticEndpointsAsync(GatewayOptions options, System.Net.IPEndPoint listenEndPoint)
    {
        try
        {
            return await EndpointResolver.ResolveAsync(options.Endpoints, listenEndPoint);
        }
        catch (UsageException e) when (options.EndpointsSource == "config-file" && options.ConfigFile is { } file)
        {
            // The endpoint came from the file: point there, as for every other value read from it.
            throw UsageException.InvalidValue(GatewayFlags.ConfigFile, file, $"{GatewayFlags.Endpoints}: invalid value \"{e.Value}\": {e.Reason}");
        }
    }

    private static SrvDiscovery CreateDiscovery(SrvDiscoveryOptions srv, GatewayOptions options, JsonLogger logger, TimeProvider time)
    {
        var resolverOptions = DnsResolverOptions.FromResolvConf(ResolvConf.Load());
        if (srv.DnsServers.Count > 0)
        {
            resolverOptions = resolverOptions.WithNameservers(srv.DnsServers);
        }

        return new SrvDiscovery(srv, new DnsResolver(resolverOptions, time), TlsEndpointVerifier.Create(srv.TrustedCaFile, options.DialTimeout), logger);
    }

    /// <summary>The first discovery round. Finding nothing usable is bad input on --discovery-srv: exit 2, nothing started.</summary>
    private static async Task<(IReadOnlyList<Endpoint> Endpoints, TimeSpan Ttl)> DiscoverAsync(SrvDiscovery discovery, string? configFile, JsonLogger logger)
    {
        try
        {
            var result = await discovery.DiscoverAsync(CancellationToken.None);
            logger.Info("discovered endpoints from SRV records", [
                new("discovery-srv", discovery.Options.Domain), new("verified", !discovery.Options.Insecure),
                new("endpoints", result.Endpoints.Select(e => $"{(e.Address.Tls ? "https" : "http")}://{e.Name} priority={e.Rank.Priority} weight={e.Rank.Weight}").ToArray()),
                new("ttl", result.Ttl)]);
            return (result.Endpoints, result.Ttl);
        }
        catch (SrvDiscoveryException e) when (discovery.Options.FromConfigFile && configFile is not null)
        {
            // The domain came from the file: point there, as for every other value read from it.
            throw UsageException.InvalidValue(GatewayFlags.ConfigFile, configFile, $"{GatewayFlags.DiscoverySrv}: invalid value \"{discovery.Options.Domain}\": {e.Message}");
        }
        catch (SrvDiscoveryException e)
        {
            throw UsageException.InvalidValue(GatewayFlags.DiscoverySrv, discovery.Options.Domain, e.Message);
        }
    }

    private static void LogReady(GatewayOptions options, JsonLogger logger, IReadOnlyList<Endpoint> endpoints, System.Net.Sockets.Socket listenSocket, ConnectionTracker tracker, AdminServer? admin) =>
        logger.Info("ready to proxy client requests", [
            new("endpoints", endpoints.Select(e => e.Name).ToArray()), new("listen-addr", listenSocket.LocalEndPoint?.ToString()),
            new("pick-policy", PickPolicyFactory.NameOf(options.PickPolicy)), new("retry-delay", options.RetryDelay),
            new("dial-timeout", options.DialTimeout), new("health-check", options.Health.Mode.ToString().ToLowerInvariant()),
            new("max-connections", tracker.MaxConnections), new("metrics-addr", admin is null ? null : $"http://{admin.BoundTo}")]);

    private static void LogNotices(IReadOnlyList<StartupNotice> notices, JsonLogger logger)
    {
        foreach (var notice in notices)
        {
            LogField[] fields = [new("flag", notice.Flag), new("value", notice.Value)];
            if (notice.Level >= LogLevel.Warn)
            {
                logger.Warn(notice.Message, fields);
            }
            else
            {
                logger.Info(notice.Message, fields);
            }
        }
    }

    private static async Task DrainAsync(ConnectionTracker tracker, TimeSpan drainTimeout, JsonLogger logger, TimeProvider time)
    {
        var open = tracker.Count;
        logger.Info("stopped accepting connections; draining", [new("open-connections", open), new("drain-timeout", drainTimeout)]);
        if (await tracker.WaitForAllAsync(drainTimeout, time))
        {
            return;
        }

        logger.Warn("drain timeout reached; closing remaining connections", [new("open-connections", tracker.Count)]);
        tracker.AbortAll();
        await tracker.WaitForAllAsync(TimeSpan.FromSeconds(5), time);
    }
}
