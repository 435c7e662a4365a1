using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Etcd;

/// <summary>Members dying and coming back under a gateway: clients never notice while any member is up.</summary>
public class FailoverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KilledMember_ThirtyConsecutiveCallsThroughTheGatewayAllSucceed()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var leader = await cluster.LeaderIndexAsync();
        var victim = (leader + 1) % 3;

        cluster.Kill(victim);

        var failures = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var result = i % 2 == 0
                ? await Etcdctl.RunAsync(gateway.ListenAddress, "put", $"failover/{i}", $"v{i}")
                : await Etcdctl.RunAsync(gateway.ListenAddress, "get", $"failover/{i - 1}", "--print-value-only");
            if (!result.Succeeded || (i % 2 == 1 && result.StdOut.Trim() != $"v{i - 1}"))
            {
                failures.Add($"call {i}: {result}");
            }
        }

        Assert.Empty(failures);
        var deactivated = Assert.Single(gateway.LogEntries("deactivated endpoint"));
        Assert.Equal(cluster.Members[victim].ClientAddress, deactivated.GetProperty("address").GetString());
    }

    [Fact]
    public async Task RestartedMember_IsBackInRotation_AfterTheRetryDelay()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--retry-delay=1s"]);
        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;
        cluster.Kill(victim);

        // Enough calls that round-robin reaches the dead member and takes it out of rotation.
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await Etcdctl.RunAsync(gateway.ListenAddress, "get", "x")).Succeeded);
        }

        await gateway.WaitForLogAsync("deactivated endpoint", Timeout);
        await cluster.RestartAsync(victim);
        var activated = await gateway.WaitForLogAsync("activated", Timeout);
        Assert.Equal(cluster.Members[victim].ClientAddress, activated.GetProperty("address").GetString());

        // Round-robin again spreads connections over all three members: each answers endpoint status with its own ID.
        // (A call may open more than one connection, so allow a few extra calls for round-robin to come round.)
        var memberIds = new HashSet<ulong>();
        for (var i = 0; i < 18 && memberIds.Count < 3; i++)
        {
            var status = await Etcdctl.RunAsync(gateway.ListenAddress, "endpoint", "status", "--write-out=json");
            Assert.True(status.Succeeded, status.ToString());
            memberIds.Add(JsonDocument.Parse(status.StdOut).RootElement[0].GetProperty("Status").GetProperty("header").GetProperty("member_id").GetUInt64());
        }

        Assert.Equal(3, memberIds.Count);
    }

    [Fact]
    public async Task Sigterm_WithAWatchOpen_NewConnectionsRefused_WatchStillGetsEvents_ExitZero()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var watch = Etcdctl.StartLongRunning(gateway.ListenAddress, "watch", "drain/", "--prefix");
        try
        {
            var lines = new LineReader(watch);
            await Task.Delay(500);
            await Etcdctl.RunAsync(cluster.Members[0].ClientAddress, "put", "drain/before", "1");
            Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            Assert.Equal("drain/before", await lines.ReadAsync(Timeout));
            Assert.Equal("1", await lines.ReadAsync(Timeout));

            gateway.Terminate();
            await gateway.WaitForLogAsync("stopped accepting connections; draining", Timeout);

            var refused = await Etcdctl.RunAsync(gateway.ListenAddress, ["get", "drain/before", "--dial-timeout=1s", "--command-timeout=2s"], Timeout);
            Assert.False(refused.Succeeded, refused.ToString());

            await Etcdctl.RunAsync(cluster.Members[1].ClientAddress, "put", "drain/during", "2");
            Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            Assert.Equal("drain/during", await lines.ReadAsync(Timeout));
            Assert.False(gateway.HasExited);

            watch.Kill(entireProcessTree: true);
            Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }
}
