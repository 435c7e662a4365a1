using System.Net;
using System.Text;
using System.Text.Json;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;

namespace EtcdGateway.Tests.Health;

public class ActiveHealthCheckerTests
{
    private static readonly HealthOptions Options = new()
    {
        Mode = HealthCheckMode.Http, Interval = TimeSpan.FromSeconds(1), Timeout = TimeSpan.FromMilliseconds(500), UnhealthyThreshold = 2, HealthyThreshold = 2, EjectGrace = TimeSpan.Zero,
    };

    private readonly Endpoint[] _endpoints = [Make(1), Make(2), Make(3)];
    private readonly MemoryStream _log = new();
    private readonly EndpointRegistry _registry;
    private readonly ActiveHealthChecker _checker;
    private readonly ConnectionTracker _tracker = new(10);
    private readonly ScriptedProbe _probe = new();

    public ActiveHealthCheckerTests()
    {
        var logger = new JsonLogger(_log, LogLevel.Debug, TimeProvider.System);
        _registry = new EndpointRegistry(_endpoints, TimeProvider.System);
        _checker = new ActiveHealthChecker(_registry, _tracker, new GatewayMetrics().ProbeDuration, logger, TimeProvider.System);
    }

    [Fact]
    public async Task OneFailure_IsNotEnough_TwoInARowEject()
    {
        _probe.Set(2, EndpointHealth.AcceptsTcp);
        await Round();
        Assert.Equal(3, _registry.Current.Available.Count);

        await Round();
        Assert.Equal([1, 3], _registry.Current.Available.Select(e => e.Address.Port));
        var line = Assert.Single(Lines("deactivated endpoint"));
        Assert.Equal("127.0.0.1:2", line.GetProperty("address").GetString());
        Assert.Equal("accepts-tcp-only", line.GetProperty("health").GetString());
    }

    [Fact]
    public async Task AFailureBetweenPasses_ResetsTheStreak()
    {
        _probe.Set(2, EndpointHealth.AcceptsTcp);
        await Round();
        _probe.Set(2, EndpointHealth.Healthy);
        await Round();
        _probe.Set(2, EndpointHealth.AcceptsTcp);
        await Round();
        Assert.Equal(3, _registry.Current.Available.Count);
    }

    [Fact]
    public async Task EjectedEndpoint_ReturnsAfterTwoPasses()
    {
        _probe.Set(2, EndpointHealth.Unreachable);
        await Round();
        await Round();
        _probe.Set(2, EndpointHealth.Healthy);
        await Round();
        Assert.Equal(2, _registry.Current.Available.Count);
        await Round();
        Assert.Equal(3, _registry.Current.Available.Count);
        Assert.Single(Lines("activated"));
    }

    [Fact]
    public async Task AllFailing_EntersPanic_OnTheAnsweringOnes_ThenLeaves()
    {
        _probe.Set(1, EndpointHealth.AcceptsTcp);
        _probe.Set(2, EndpointHealth.Answering);
        _probe.Set(3, EndpointHealth.Unreachable);
        await Round();
        await Round();

        var panic = Assert.Single(Lines("no healthy endpoint; routing to endpoints that still answer (panic mode)"));
        Assert.Equal(["127.0.0.1:2"], panic.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([2], _registry.Current.Routable.Select(e => e.Address.Port));

        _probe.Set(3, EndpointHealth.Healthy);
        await Round();
        await Round();
        Assert.Single(Lines("healthy endpoints are back; leaving panic mode"));
        Assert.Equal([3], _registry.Current.Routable.Select(e => e.Address.Port));
    }

    [Fact]
    public async Task RecoveringMembers_AreWhatPanicRoutesTo_AndLeavingIsLoggedOnceOneIsInRotation()
    {
        foreach (var port in new[] { 1, 2, 3 })
        {
            _probe.Set(port, EndpointHealth.AcceptsTcp);
        }

        await Round();
        await Round();
        Assert.True(_registry.Current.IsPanic);

        _probe.Set(2, EndpointHealth.Healthy);
        await Round();
        Assert.Equal([2], _registry.Current.Routable.Select(e => e.Address.Port));
        Assert.Equal(2, Lines("no healthy endpoint; routing to endpoints that still answer (panic mode)").Count);
        Assert.Empty(Lines("healthy endpoints are back; leaving panic mode"));

        await Round();
        Assert.Single(Lines("healthy endpoints are back; leaving panic mode"));
    }

    [Fact]
    public async Task AnEjectedEndpointPanicRoutesTo_KeepsItsConnectionsPastTheGrace_UntilPanicModeRoutesElsewhere()
    {
        var options = Options with { EjectGrace = TimeSpan.FromMilliseconds(20) };
        var toAnswering = new FakeConnection(_endpoints[1]);
        var toUnreachable = new FakeConnection(_endpoints[2]);
        _tracker.Add(toAnswering);
        _tracker.Add(toUnreachable);
        _probe.Set(1, EndpointHealth.AcceptsTcp);
        _probe.Set(2, EndpointHealth.Answering);
        _probe.Set(3, EndpointHealth.Unreachable);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        Assert.Equal([2], _registry.Current.Routable.Select(e => e.Address.Port));

        // Both graces run out; panic mode still sends clients to 2, so only 3's connection is closed.
        await WaitUntilAsync(() => toUnreachable.Aborted);
        await Task.Delay(200);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        Assert.False(toAnswering.Aborted);

        // 3 passes a probe: panic mode now routes to it, and 2's connection, on a member it no longer routes to, is closed
        // at that round.
        _probe.Set(3, EndpointHealth.Healthy);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        Assert.Equal([3], _registry.Current.Routable.Select(e => e.Address.Port));
        Assert.True(toAnswering.Aborted);
        Assert.Equal(["127.0.0.1:3", "127.0.0.1:2"], Lines("closing connections to an ejected endpoint").Select(l => l.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task AnEjectedEndpointBackInRotation_BeforeThePanicEnds_KeepsItsConnections()
    {
        var options = Options with { EjectGrace = TimeSpan.FromMilliseconds(20) };
        var toAnswering = new FakeConnection(_endpoints[1]);
        _tracker.Add(toAnswering);
        foreach (var port in new[] { 1, 2, 3 })
        {
            _probe.Set(port, port == 2 ? EndpointHealth.Answering : EndpointHealth.Unreachable);
        }

        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        await Task.Delay(300);

        _probe.Set(2, EndpointHealth.Healthy);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        Assert.Equal([2], _registry.Current.Available.Select(e => e.Address.Port));
        _probe.Set(1, EndpointHealth.Healthy);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        await _checker.RunRoundAsync(_probe, options, CancellationToken.None);
        Assert.False(toAnswering.Aborted);
        Assert.Empty(Lines("closing connections to an ejected endpoint"));
    }

    [Fact]
    public async Task AnEjectedEndpointNamedByHost_IsResolvedAgainBeforeItsNextProbe_AndComesBackAtItsNewAddress()
    {
        // "localhost" last resolved to an address it no longer has (a documentation address stands for the old one).
        var moved = new Endpoint(new EndpointAddress("localhost", 4), [IPAddress.Parse("192.0.2.4")]);
        var registry = new EndpointRegistry([moved], TimeProvider.System);
        var checker = new ActiveHealthChecker(registry, new ConnectionTracker(10), new GatewayMetrics().ProbeDuration,
            new JsonLogger(_log, LogLevel.Debug, TimeProvider.System), TimeProvider.System);
        var probe = new AddressProbe(IPAddress.Loopback, IPAddress.IPv6Loopback);

        await checker.RunRoundAsync(probe, Options, CancellationToken.None);
        await checker.RunRoundAsync(probe, Options, CancellationToken.None);
        Assert.Empty(registry.Current.Available);

        await checker.RunRoundAsync(probe, Options, CancellationToken.None);
        Assert.DoesNotContain(IPAddress.Parse("192.0.2.4"), registry.Current.Statuses.Single().Endpoint.IPAddresses);
        await checker.RunRoundAsync(probe, Options, CancellationToken.None);
        Assert.Equal("localhost:4", Assert.Single(registry.Current.Available).Name);
        Assert.Single(Lines("endpoint resolves to new addresses"));
    }

    [Fact]
    public async Task AnEndpointInRotation_IsNotResolvedAgain()
    {
        var named = new Endpoint(new EndpointAddress("localhost", 5), [IPAddress.Parse("192.0.2.5")]);
        var registry = new EndpointRegistry([named], TimeProvider.System);
        var checker = new ActiveHealthChecker(registry, new ConnectionTracker(10), new GatewayMetrics().ProbeDuration,
            new JsonLogger(_log, LogLevel.Debug, TimeProvider.System), TimeProvider.System);

        await checker.RunRoundAsync(_probe, Options, CancellationToken.None);
        Assert.Equal([IPAddress.Parse("192.0.2.5")], registry.Current.Statuses.Single().Endpoint.IPAddresses);
        Assert.Empty(Lines("endpoint resolves to new addresses"));
    }

    private static Endpoint Make(int port) => new(new EndpointAddress("127.0.0.1", port), [IPAddress.Loopback]);

    private Task Round() => _checker.RunRoundAsync(_probe, Options, CancellationToken.None);

    private List<JsonElement> Lines(string message) =>
        [.. Encoding.UTF8.GetString(_log.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).Where(j => j.GetProperty("msg").GetString() == message)];

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }

    /// <summary>A client connection relayed to one endpoint, that records being reset.</summary>
    private sealed class FakeConnection(Endpoint endpoint) : ITrackedConnection
    {
        private volatile bool _aborted;

        public Endpoint? Endpoint => endpoint;

        public bool Aborted => _aborted;

        public void Abort() => _aborted = true;
    }

    /// <summary>Healthy only when the endpoint's addresses include one of the given ones: what a member reached at its current address answers.</summary>
    private sealed class AddressProbe(params IPAddress[] current) : IEndpointProbe
    {
        public Task<ProbeResult> ProbeAsync(Endpoint endpoint, CancellationToken stopping) =>
            Task.FromResult(endpoint.IPAddresses.Any(current.Contains)
                ? new ProbeResult(EndpointHealth.Healthy, null)
                : new ProbeResult(EndpointHealth.Unreachable, "stale address"));
    }

    /// <summary>Answers what the test says for each port; healthy unless told otherwise.</summary>
    private sealed class ScriptedProbe : IEndpointProbe
    {
        private readonly Dictionary<int, EndpointHealth> _health = [];

        public void Set(int port, EndpointHealth health) => _health[port] = health;

        public Task<ProbeResult> ProbeAsync(Endpoint endpoint, CancellationToken stopping)
        {
            var health = _health.GetValueOrDefault(endpoint.Address.Port, EndpointHealth.Healthy);
            return Task.FromResult(new ProbeResult(health, health == EndpointHealth.Healthy ? null : $"scripted {health}"));
        }
    }
}
