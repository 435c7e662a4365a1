using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;

namespace EtcdGateway.Health;

/// <summary>
/// Probes every endpoint each round and moves endpoints in and out of rotation by consecutive failures and passes
/// (a hung member that still accepts TCP is caught here; etcd's gateway never notices it). After an ejection, open
/// connections to the endpoint are closed once <c>--eject-grace</c> has passed, so long-lived clients move on; if panic
/// mode still routes to it then (or its probe just passed), they are closed at the first round after that stops being so.
/// An endpoint out of rotation that is named by host is resolved again before its probe. Rounds are run one at a time by <see cref="EndpointMonitor"/>; the streaks are only touched there.
/// </summary>
internal sealed class ActiveHealthChecker(EndpointRegistry registry, ConnectionTracker tracker, Histogram probeDuration, JsonLogger logger, TimeProvider time)
{
    private readonly Dictionary<EndpointAddress, (int Failures, int Passes)> _streaks = [];
    private readonly HostAddressRefresher _refresher = new(registry, logger);
    private string[] _panicRoutes = [];

    // Ejected endpoints whose grace ran out while panic mode routed to them or while they were recovering: their
    // connections are closed at the first round where neither holds, unless they are back in rotation by then. Written
    // by the grace timers, read by rounds.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<EndpointAddress, TimeSpan> _closeLater = new();

    public async Task RunRoundAsync(IEndpointProbe probe, HealthOptions options, CancellationToken stopping)
    {
        // An endpoint out of rotation is resolved again before its probe: its name may have moved to a new address.
        var endpoints = (await Task.WhenAll(registry.Current.Statuses.Select(s => s.IsAvailable ? Task.FromResult(s.Endpoint) : _refresher.RefreshAsync(s.Endpoint)))).ToList();
        var results = await Task.WhenAll(endpoints.Select(e => TimedProbeAsync(probe, e, stopping)));
        foreach (var stale in _streaks.Keys.Where(a => !endpoints.Any(e => e.Address == a)).ToList())
        {
            _streaks.Remove(stale);
        }

        for (var i = 0; i < endpoints.Count; i++)
        {
            Apply(endpoints[i], results[i], options);
        }

        ReportPanicChange();
        CloseDeferredConnections();
    }

    private async Task<ProbeResult> TimedProbeAsync(IEndpointProbe probe, Endpoint endpoint, CancellationToken stopping)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var result = await probe.ProbeAsync(endpoint, stopping);
        probeDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        endpoint.Stats.ProbeFinished(result.Passed);
        return result;
    }

    private void Apply(Endpoint endpoint, ProbeResult result, HealthOptions options)
    {
        var (failures, passes) = _streaks.GetValueOrDefault(endpoint.Address);
        (failures, passes) = result.Passed ? (0, passes + 1) : (failures + 1, 0);
        _streaks[endpoint.Address] = (failures, passes);
        registry.SetHealth(endpoint, result.Health);

        if (passes >= options.HealthyThreshold && registry.MarkAvailable(endpoint))
        {
            logger.Info("activated", [new("address", endpoint.Name)]);
        }
        else if (failures >= options.UnhealthyThreshold && registry.MarkUnavailable(endpoint, result.Error ?? "health probe failed"))
        {
            logger.Warn("deactivated endpoint", [
                new("address", endpoint.Name), new("interval", options.Interval), LogField.Error(result.Error ?? "health probe failed"),
                new("health", EndpointHealthNames.Of(result.Health))]);
            tracker.EndpointLeftRotation(endpoint.Address);
            if (options.EjectGrace > TimeSpan.Zero)
            {
                _ = CloseConnectionsAfterGraceAsync(endpoint.Address, options.EjectGrace);
            }
        }
    }

    private async Task CloseConnectionsAfterGraceAsync(EndpointAddress address, TimeSpan grace)
    {
        await Task.Delay(grace, time);
        switch (AfterGrace(address))
        {
            case GraceOutcome.Close:
                CloseConnections(address, grace);
                break;
            case GraceOutcome.Later:
                _closeLater[address] = grace;
                break;
        }
    }

    /// <summary>The ejections whose grace ran out at a bad moment, looked at again once per round.</summary>
    private void CloseDeferredConnections()
    {
        foreach (var (address, grace) in _closeLater)
        {
            var outcome = AfterGrace(address);
            if (outcome != GraceOutcome.Later && _closeLater.TryRemove(address, out _) && outcome == GraceOutcome.Close)
            {
                CloseConnections(address, grace);
            }
        }
    }

    private GraceOutcome AfterGrace(EndpointAddress address)
    {
        var snapshot = registry.Current;

        // Back in rotation meanwhile, or gone from the set (drained instead): leave its connections be. Recovering (its last
        // probe passed) or what panic mode routes to: not yet; closing them now would only send clients back to it.
        var endpoint = snapshot.Find(address);
        var status = endpoint is null ? null : snapshot.Statuses[snapshot.IndexOf(endpoint)];
        if (status is null || status.IsAvailable)
        {
            return GraceOutcome.Keep;
        }

        return status.Health == EndpointHealth.Healthy || snapshot.Routable.Contains(status.Endpoint) ? GraceOutcome.Later : GraceOutcome.Close;
    }

    private void CloseConnections(EndpointAddress address, TimeSpan grace)
    {
        var closed = tracker.AbortConnectionsTo(address);
        if (closed > 0)
        {
            logger.Info("closing connections to an ejected endpoint", [new("address", address.ToString()), new("connections", closed), new("grace", grace)]);
        }
    }

    /// <summary>Logs entering panic mode, every change of where it routes, and leaving it once something is in rotation again.</summary>
    private void ReportPanicChange()
    {
        var snapshot = registry.Current;
        if (snapshot.IsPanic)
        {
            var routes = snapshot.Routable.Select(e => e.Name).ToArray();
            if (!routes.SequenceEqual(_panicRoutes))
            {
                logger.Warn("no healthy endpoint; routing to endpoints that still answer (panic mode)", [new("endpoints", routes)]);
                _panicRoutes = routes;
            }
        }
        else if (_panicRoutes.Length > 0 && snapshot.Available.Count > 0)
        {
            logger.Info("healthy endpoints are back; leaving panic mode", [new("endpoints", snapshot.Available.Select(e => e.Name).ToArray())]);
            _panicRoutes = [];
        }
    }

    private enum GraceOutcome
    {
        Keep,
        Close,
        Later,
    }
}
