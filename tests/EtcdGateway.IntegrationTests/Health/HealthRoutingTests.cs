using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Health.HealthTestSupport;

namespace EtcdGateway.IntegrationTests.Health;

/// <summary>
/// Members that accept TCP but never answer (SIGSTOP): health checks take them out of rotation, long-lived
/// connections to them are ejected, and with no healthy member left the gateway routes to those that still answer.
/// </summary>
public class HealthRoutingTests
{
    private const string PanicWarning = "no healthy endpoint; routing to endpoints that still answer (panic mode)";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Stopped_Follower_Leaves_Rotation_So_Thirty_Calls_All_Succeed_And_It_Returns_After_Continue()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;
        var victimAddress = cluster.Members[victim].ClientAddress;

        cluster.Stop(victim);
        try
        {
            // The spec's bound: two failed probes (1 s interval, 500 ms timeout) fit in 3 s.
            await Task.Delay(TimeSpan.FromSeconds(3));

            var failures = await PutGetCallsAsync(gateway.ListenAddress, 30, "health-stop");
            Assert.True(failures.Count == 0, $"{failures.Count} of 30 calls failed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");

            var deactivated = Entries(gateway, "deactivated endpoint", e => Field(e, "address") == victimAddress);
            Assert.True(deactivated.Count > 0, $"no \"deactivated endpoint\" for {victimAddress}:\n{gateway.Log}");
            Assert.True(
                Field(deactivated[0], "error").StartsWith("health probe", StringComparison.Ordinal),
                $"the deactivation should say the health probe failed:\n{deactivated[0]}");

            var activatedBefore = Entries(gateway, "activated", e => Field(e, "address") == victimAddress).Count;
            cluster.Continue(victim);
            await WaitForNewLogAsync(gateway, "activated", activatedBefore, TimeSpan.FromSeconds(10), e => Field(e, "address") == victimAddress);
        }
        finally
        {
            ContinueIfRunning(cluster, victim);
        }

        // (A call may open more than one connection, so allow a few extra calls for round-robin to come round.)
        var (ids, all) = await MemberIdsUntilWindowCoversAsync(gateway.ListenAddress, window: 6, expected: 3, maxCalls: 18);
        Assert.True(ids.Count == 3, $"endpoint-status calls reached {ids.Count} members, expected all 3 ({string.Join(",", all)}):\n{gateway.Log}");
    }

    [Fact]
    public async Task Watch_On_A_Stopped_Member_Is_Ejected_And_Reconnects_Through_The_Gateway_To_A_Healthy_Member()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var leader = await cluster.LeaderIndexAsync();
        var first = leader == 0 ? 1 : 0;
        var order = new[] { first }.Concat(Enumerable.Range(0, 3).Where(i => i != first)).ToList();
        var healthy = cluster.Members[leader];
        await using var gateway = await GatewayProcess.StartAsync(
            [$"--endpoints={string.Join(',', order.Select(i => cluster.Members[i].ClientAddress))}", "--eject-grace=2s"]);

        // Keepalive far longer than the test's bound: only the gateway's ejection can make this watch reconnect in time.
        using var watch = Etcdctl.StartLongRunning(
            gateway.ListenAddress, "watch", "eject/", "--prefix", "--keepalive-time=30s", "--keepalive-timeout=30s");
        var stopped = false;
        try
        {
            var lines = new LineReader(watch);
            await PutUntilWatchedAsync(healthy, lines, "eject/before", "1");

            cluster.Stop(first);
            stopped = true;
            var ejected = await gateway.WaitForLogAsync(
                "closing connections to an ejected endpoint", Timeout, e => Field(e, "address") == cluster.Members[first].ClientAddress);
            Assert.True(
                ejected.TryGetProperty("connections", out var connections) && connections.ValueKind == JsonValueKind.Number && connections.GetInt32() >= 1,
                $"the ejection should count the watch's connection:\n{ejected}");

            await PutDirectAsync(healthy, "eject/after", "2");
            var value = await ReadWatchedValueAsync(lines, "eject/after", Timeout);
            Assert.Equal("2", value);
            Assert.False(watch.HasExited, "the watch process exited instead of reconnecting");
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            if (stopped)
            {
                ContinueIfRunning(cluster, first);
            }
        }
    }

    [Fact]
    public async Task Two_Stopped_Members_Mean_Panic_Mode_Routing_To_The_One_That_Answers_Until_They_Come_Back()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var live = (await cluster.LeaderIndexAsync() + 1) % 3;
        var liveAddress = cluster.Members[live].ClientAddress;
        var frozen = Enumerable.Range(0, 3).Where(i => i != live).ToList();
        await PutDirectAsync(cluster.Members[live], "panic/k", "before");

        var continued = false;
        var namedLiveOnly = false;
        var logAtPanic = "";
        foreach (var i in frozen)
        {
            cluster.Stop(i);
        }

        try
        {
            var entered = await gateway.WaitForLogAsync(PanicWarning, Timeout);
            Assert.Equal("warn", Field(entered, "level"));

            // The live member loses its leader and answers /health with 503; the frozen ones never answer. Once the
            // probes have seen that, every new connection goes to the live member: three serializable reads in a row
            // succeed (round-robin over all three would send two of them to frozen members, which hang).
            var reads = await ConsecutiveSerializableReadsAsync(gateway.ListenAddress, "panic/k", "before", 3, TimeSpan.FromSeconds(15));
            Assert.True(reads.Succeeded, $"panic mode never settled on the live member {liveAddress}:\n{reads.Transcript}\n--- gateway log ---\n{gateway.Log}");

            namedLiveOnly = Entries(gateway, PanicWarning, e => Addresses(e, "endpoints").SequenceEqual([liveAddress])).Count > 0;
            logAtPanic = gateway.Log;

            foreach (var i in frozen)
            {
                cluster.Continue(i);
            }

            continued = true;
            await gateway.WaitForLogAsync("healthy endpoints are back; leaving panic mode", TimeSpan.FromSeconds(15));
        }
        finally
        {
            if (!continued)
            {
                foreach (var i in frozen)
                {
                    ContinueIfRunning(cluster, i);
                }
            }
        }

        var put = await Etcdctl.RunAsync(gateway.ListenAddress, "put", "panic/k", "after");
        Assert.True(put.Succeeded, $"put after leaving panic mode: {put}\n--- gateway log ---\n{gateway.Log}");

        // Checked last so a failure here still shows that routing and recovery worked.
        Assert.True(
            namedLiveOnly,
            $"panic mode routed reads to the live member {liveAddress} only, but no panic-mode warning named just that member:\n{logAtPanic}");
    }

    [Fact]
    public async Task Health_Check_None_Keeps_A_Stopped_Member_In_Rotation()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--health-check=none"]);
        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;
        var victimAddress = cluster.Members[victim].ClientAddress;

        cluster.Stop(victim);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(3));

            // Round-robin gives each of three calls another member; the one on the frozen member hangs until its timeout.
            var results = new List<CommandResult>();
            for (var i = 0; i < 3; i++)
            {
                results.Add(await Etcdctl.RunAsync(gateway.ListenAddress, "get", "none/k", "--dial-timeout=2s", "--command-timeout=2s"));
            }

            Assert.True(results.Any(r => !r.Succeeded), $"every call succeeded, so the frozen member left rotation:\n{gateway.Log}");
            Assert.True(
                Entries(gateway, "deactivated endpoint", e => Field(e, "address") == victimAddress).Count == 0,
                $"--health-check=none took the frozen member out of rotation:\n{gateway.Log}");
        }
        finally
        {
            ContinueIfRunning(cluster, victim);
        }
    }

    /// <summary>
    /// Runs <c>get --consistency=s</c> until <paramref name="inARow"/> consecutive calls return <paramref name="expected"/>,
    /// or <paramref name="timeout"/> passes. Each call is bounded, so one routed to a frozen member fails within seconds.
    /// </summary>
    private static async Task<(bool Succeeded, string Transcript)> ConsecutiveSerializableReadsAsync(
        string endpoint, string key, string expected, int inARow, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var transcript = new System.Text.StringBuilder();
        var streak = 0;
        while (streak < inARow && DateTime.UtcNow < deadline)
        {
            var get = await Etcdctl.RunAsync(endpoint, "get", key, "--consistency=s", "--print-value-only", "--dial-timeout=2s", "--command-timeout=2s");
            var ok = get.Succeeded && get.StdOut.Trim() == expected;
            streak = ok ? streak + 1 : 0;
            transcript.AppendLine(ok ? "get: ok" : $"get: {get}");
        }

        return (streak >= inARow, transcript.ToString());
    }

    private static void ContinueIfRunning(EtcdCluster cluster, int index)
    {
        if (cluster.Members[index].IsRunning)
        {
            cluster.Continue(index);
        }
    }
}
