using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Health.HealthTestSupport;

namespace EtcdGateway.IntegrationTests.Health;

/// <summary>--config-file: the same settings as the flags, flags win, and SIGHUP applies a changed file without dropping connections.</summary>
public sealed class ReloadTests : IDisposable
{
    private const string Reloaded = "reloaded configuration";
    private const string CannotReload = "cannot reload configuration; keeping the running configuration";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-config-").FullName;

    private string ConfigPath => Path.Combine(_dir, "gateway.yaml");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Config_File_Settings_Apply_And_Command_Line_Flags_Override_Them()
    {
        var a = $"127.0.0.1:{FreePorts.Next()}";
        var b = $"127.0.0.1:{FreePorts.Next()}";
        WriteConfig(ConfigPath, $"""
            endpoints:
              - {a}
              - {b}
            listen-addr: 127.0.0.1:{FreePorts.Next()}
            pick-policy: random
            retry-delay: 5s
            dial-timeout: 1s
            """);

        await using var gateway = await GatewayProcess.StartAsync([$"--config-file={ConfigPath}", "--pick-policy=round-robin"]);

        var ready = Assert.Single(gateway.LogEntries("ready to proxy client requests"));
        Assert.Equal([a, b], Addresses(ready, "endpoints"));
        Assert.Equal(gateway.ListenAddress, Field(ready, "listen-addr"));
        Assert.Equal("round-robin", Field(ready, "pick-policy"));
        Assert.Equal("5s", Field(ready, "retry-delay"));
        Assert.Equal("1s", Field(ready, "dial-timeout"));
    }

    [Fact]
    public async Task Sighup_With_A_Third_Member_Added_To_The_File_Sends_It_Traffic_Without_Dropping_Open_Connections()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var m = cluster.Members;
        WriteConfig(ConfigPath, $"""
            # two of the three members to begin with
            endpoints:
              - {m[0].ClientAddress}
              - {m[1].ClientAddress}
            health-interval: 1s
            """);
        await using var gateway = await GatewayProcess.StartAsync([$"--config-file={ConfigPath}"]);
        var ready = Assert.Single(gateway.LogEntries("ready to proxy client requests"));
        Assert.Equal([m[0].ClientAddress, m[1].ClientAddress], Addresses(ready, "endpoints"));

        using var watch = Etcdctl.StartLongRunning(gateway.ListenAddress, "watch", "reload/", "--prefix");
        try
        {
            var lines = new LineReader(watch);
            await PutUntilWatchedAsync(m[2], lines, "reload/before", "1");
            using var keepAlive = await KeepAliveHttpConnection.OpenAsync(gateway.ListenPort);
            var (status, _) = await keepAlive.GetAsync("/version", Timeout);
            Assert.Contains("200", status, StringComparison.Ordinal);

            WriteConfig(ConfigPath, $"""
                endpoints: [{m[0].ClientAddress}, {m[1].ClientAddress}, {m[2].ClientAddress}]
                health-interval: 1s
                """);
            Posix.Signal(gateway.Pid, SigHup);

            await gateway.WaitForLogAsync(Reloaded, Timeout);
            var changed = await gateway.WaitForLogAsync("endpoint set changed", Timeout, e => Addresses(e, "added").Contains(m[2].ClientAddress));
            Assert.Empty(Addresses(changed, "removed"));

            var (window, all) = await MemberIdsUntilWindowCoversAsync(gateway.ListenAddress, window: 6, expected: 3, maxCalls: 18);
            Assert.True(
                window.Count == 3,
                $"6 consecutive endpoint-status calls never reached all 3 members; {DescribeIds(all, cluster, await MemberListAsync(cluster.ClientEndpoints))}\n--- gateway log ---\n{gateway.Log}");

            // The same TCP connection still answers, and the watch opened before the reload still delivers events.
            (status, _) = await keepAlive.GetAsync("/version", Timeout);
            Assert.Contains("200", status, StringComparison.Ordinal);
            await PutDirectAsync(m[2], "reload/after", "2");
            Assert.Equal("2", await ReadWatchedValueAsync(lines, "reload/after", Timeout));
            Assert.False(watch.HasExited, "the watch process exited");
            Assert.Empty(gateway.LogEntries("closing connections to an ejected endpoint"));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Sighup_With_A_Broken_File_Logs_An_Error_And_Keeps_The_Running_Configuration()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        WriteConfig(ConfigPath, $"endpoints: [{string.Join(", ", cluster.Members.Select(x => x.ClientAddress))}]\n");
        await using var gateway = await GatewayProcess.StartAsync([$"--config-file={ConfigPath}"]);
        using var keepAlive = await KeepAliveHttpConnection.OpenAsync(gateway.ListenPort);
        Assert.Contains("200", (await keepAlive.GetAsync("/version", Timeout)).StatusLine, StringComparison.Ordinal);

        WriteConfig(ConfigPath, "endpoints: [host:abc]\n");
        Posix.Signal(gateway.Pid, SigHup);
        var badPort = await gateway.WaitForLogAsync(CannotReload, Timeout);
        Assert.Equal("error", Field(badPort, "level"));
        Assert.NotEqual("", Field(badPort, "error"));

        WriteConfig(ConfigPath, "endpoints: [127.0.0.1:1\nhealth-interval: : :\n");
        Posix.Signal(gateway.Pid, SigHup);
        await WaitForNewLogAsync(gateway, CannotReload, 1, Timeout);

        Assert.False(gateway.HasExited, $"the gateway exited on a broken reload:\n{gateway.Log}");
        Assert.Empty(gateway.LogEntries(Reloaded));

        // All three members are still in rotation, and the connection opened before the reloads is still up.
        // (A call may open more than one connection, so allow a few extra calls for round-robin to come round.)
        var (ids, all) = await MemberIdsUntilWindowCoversAsync(gateway.ListenAddress, window: 6, expected: 3, maxCalls: 18);
        Assert.True(ids.Count == 3, $"endpoint-status calls reached {ids.Count} members, expected all 3 ({string.Join(",", all)}):\n{gateway.Log}");
        var failures = await PutGetCallsAsync(gateway.ListenAddress, 4, "broken-reload");
        Assert.True(failures.Count == 0, $"calls after a broken reload failed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
        Assert.Contains("200", (await keepAlive.GetAsync("/version", Timeout)).StatusLine, StringComparison.Ordinal);
    }
}
