using System.Globalization;
using EtcdGateway.IntegrationTests.Health;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Discovery.DiscoverySupport;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// RFC 2782 picking with discovery: the lowest priority value that still has an endpoint in rotation wins, and within it
/// endpoints are picked at random in proportion to their weight. Counts come from the gateway's /status.
/// </summary>
[Collection(PlainDiscoveryCluster.Name)]
public class SrvWeightsAndPrioritiesTests(PlainDiscoveryClusterFixture fixture)
{
    private const int Connections = 400;

    private readonly EtcdCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Weights_Three_And_One_Split_Four_Hundred_Connections_About_Three_To_One()
    {
        var (heavy, light) = await SplitAsync(3, 1);

        // Expected 300:100; the standard deviation of the light share is about 9 connections, so 2.0 … 4.5 is a
        // bound a correct pick never misses, while round-robin (1:1) or ignoring the weights is far outside it.
        var ratio = (double)heavy / light;
        Assert.True(ratio is >= 2.0 and <= 4.5, $"weight 3 got {heavy}, weight 1 got {light}: ratio {ratio.ToString("0.00", CultureInfo.InvariantCulture)}");
    }

    [Fact]
    public async Task Equal_Weights_Split_Four_Hundred_Connections_Roughly_Evenly()
    {
        var (first, second) = await SplitAsync(1, 1);

        var ratio = (double)first / second;
        Assert.True(ratio is >= 0.6 and <= 1.67, $"the two weight-1 endpoints got {first} and {second} connections");
    }

    [Fact]
    public async Task Weight_Zero_Gets_Only_A_Small_Share_Next_To_Weight_One()
    {
        var (zero, one) = await SplitAsync(0, 1);

        // About 1% is expected (4 of 400); 5% (20) is far above any chance result and far below an even split.
        Assert.True(zero <= Connections / 20, $"weight 0 got {zero} of {Connections} connections, weight 1 got {one}");
    }

    [Fact]
    public async Task Priority_Ten_Gets_Every_Connection_Until_Both_Its_Members_Hang_Then_Priority_Twenty_Takes_Over_And_Gives_Back()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(PlainService, _cluster, (0, 10, 1), (1, 10, 1), (2, 20, 1)));
        var admin = NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--insecure-discovery", $"--metrics-addr={admin}"]);
        using var http = AdminClient(admin);
        var preferred = new[] { EndpointName(_cluster, 0), EndpointName(_cluster, 1) };
        var backup = EndpointName(_cluster, 2);
        Assert.Equal(
            new[] { $"http://{preferred[0]} priority=10 weight=1", $"http://{preferred[1]} priority=10 weight=1", $"http://{backup} priority=20 weight=1" },
            Strings(Assert.Single(gateway.LogEntries(Discovered)), "endpoints").Order(StringComparer.Ordinal));

        var before = await TotalConnectionsAsync(http);
        var failures = await VersionRequestsAsync(gateway.ListenPort, 60);
        var gained = Gained(before, await TotalConnectionsAsync(http));
        Assert.True(failures.Count == 0, $"{failures.Count} of 60 connections failed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
        Assert.True(
            gained[backup] == 0 && gained[preferred[0]] + gained[preferred[1]] == 60 && gained[preferred[0]] > 0 && gained[preferred[1]] > 0,
            $"60 connections should all go to the two priority-10 endpoints, both of them: {Describe(gained)}");

        var frozen = new[] { 0, 1 };
        var resumed = false;
        foreach (var member in frozen)
        {
            _cluster.Stop(member);
        }

        try
        {
            // Frozen members still complete TCP handshakes, so only their failed health probes take them out of rotation.
            var status = await WaitForStatusAsync(http, s => preferred.All(p => State(s, p) == "down"), StepTimeout);
            Assert.True(preferred.All(p => State(status, p) == "down"), $"the frozen priority-10 endpoints never went down: {status}\n--- gateway log ---\n{gateway.Log}");

            before = await TotalConnectionsAsync(http);
            failures = await VersionRequestsAsync(gateway.ListenPort, 20);
            gained = Gained(before, await TotalConnectionsAsync(http));
            Assert.True(failures.Count == 0, $"{failures.Count} of 20 connections failed with priority 10 down:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
            Assert.True(gained[backup] == 20, $"20 connections should all go to the priority-20 endpoint: {Describe(gained)}");

            // Three of five members still form a quorum, so writes through the backup work too.
            var calls = await HealthTestSupport.PutGetCallsAsync(gateway.ListenAddress, 2, "srv-priority");
            Assert.True(calls.Count == 0, $"put/get through the backup failed:\n{string.Join('\n', calls)}\n--- gateway log ---\n{gateway.Log}");

            foreach (var member in frozen)
            {
                _cluster.Continue(member);
            }

            resumed = true;
            status = await WaitForStatusAsync(http, s => preferred.All(p => State(s, p) == "up"), StepTimeout);
            Assert.True(preferred.All(p => State(status, p) == "up"), $"the priority-10 endpoints never came back: {status}\n--- gateway log ---\n{gateway.Log}");

            before = await TotalConnectionsAsync(http);
            failures = await VersionRequestsAsync(gateway.ListenPort, 20);
            gained = Gained(before, await TotalConnectionsAsync(http));
            Assert.True(failures.Count == 0, $"{failures.Count} of 20 connections failed after priority 10 came back:\n{string.Join('\n', failures)}");
            Assert.True(gained[backup] == 0, $"with priority 10 back in rotation the backup should get nothing: {Describe(gained)}");
        }
        finally
        {
            if (!resumed)
            {
                foreach (var member in frozen)
                {
                    _cluster.Continue(member);
                }
            }

            // The next test sharing the cluster expects every member healthy.
            foreach (var member in frozen)
            {
                await _cluster.WaitHealthyAsync(member, TimeSpan.FromSeconds(30));
            }
        }
    }

    [Fact]
    public async Task A_Killed_Priority_Ten_Member_Fails_Its_Dial_And_Connections_Go_To_Priority_Twenty_At_Once()
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(PlainService, _cluster, (0, 10, 1), (1, 20, 1)));
        var admin = NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--insecure-discovery", $"--metrics-addr={admin}"]);
        using var http = AdminClient(admin);
        var (preferred, backup) = (EndpointName(_cluster, 0), EndpointName(_cluster, 1));

        _cluster.Kill(0);
        try
        {
            // No waiting for health checks: a refused dial moves the connection on, and to the next priority class.
            var before = await TotalConnectionsAsync(http);
            var failures = await VersionRequestsAsync(gateway.ListenPort, 20);
            var status = await StatusAsync(http);
            var gained = Gained(before, await TotalConnectionsAsync(http));
            Assert.True(failures.Count == 0, $"{failures.Count} of 20 connections failed with {preferred} killed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
            Assert.True(gained[backup] == 20, $"all 20 connections should reach the priority-20 endpoint: {Describe(gained)}");
            Assert.True(State(status, preferred) == "down", $"{preferred} should be out of rotation after its failed dial: {status}");
        }
        finally
        {
            await _cluster.RestartAsync(0);
        }
    }

    /// <summary>
    /// Publishes members 0 and 1 at one priority with the two weights, makes <see cref="Connections"/> new connections
    /// through a gateway with default picking, and returns how many each member got.
    /// </summary>
    private async Task<(long First, long Second)> SplitAsync(int firstWeight, int secondWeight)
    {
        await using var dns = await DnsmasqServer.StartAsync(Records(PlainService, _cluster, (0, 10, firstWeight), (1, 10, secondWeight)));
        var admin = NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync([.. DiscoveryFlags(dns), "--insecure-discovery", $"--metrics-addr={admin}"]);
        using var http = AdminClient(admin);
        var first = EndpointName(_cluster, 0);
        var second = EndpointName(_cluster, 1);
        Assert.Equal(
            new[] { $"http://{first} priority=10 weight={firstWeight}", $"http://{second} priority=10 weight={secondWeight}" },
            Strings(Assert.Single(gateway.LogEntries(Discovered)), "endpoints").Order(StringComparer.Ordinal));

        var before = await TotalConnectionsAsync(http);
        var failures = await VersionRequestsAsync(gateway.ListenPort, Connections);
        var gained = Gained(before, await TotalConnectionsAsync(http));

        Assert.True(failures.Count == 0, $"{failures.Count} of {Connections} connections failed:\n{string.Join('\n', failures.Take(10))}\n--- gateway log ---\n{gateway.Log}");
        Assert.True(
            gained.Count == 2 && gained[first] + gained[second] == Connections,
            $"every connection should be counted on one of the two endpoints: {Describe(gained)}");
        return (gained[first], gained[second]);
    }
}
