using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A client retrying against a cluster that is all down: the proxy says so once per few seconds, not per call.</summary>
public sealed class GrpcDeadClusterLogTests
{
    private const string NoMember = "no member available; failing the call";

    [Fact]
    public async Task Calls_Failed_For_Want_Of_A_Member_Are_Logged_Once_Then_Counted()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints=127.0.0.1:{FreePorts.Next()}", "--health-check=none"]);

        // etcdctl retries a failed call until its timeout: hundreds of calls, each failed by the proxy.
        for (var i = 0; i < 2; i++)
        {
            var get = await Etcdctl.RunAsync(proxy.ListenAddress, "--command-timeout=1s", "get", "dead/k");
            Assert.False(get.Succeeded, get.ToString());
        }

        var first = Assert.Single(proxy.LogEntries(NoMember));
        Assert.Equal(0, first.GetProperty("suppressed").GetInt64());

        await Task.Delay(TimeSpan.FromSeconds(5));
        var again = await Etcdctl.RunAsync(proxy.ListenAddress, "--command-timeout=1s", "get", "dead/k");
        Assert.False(again.Succeeded, again.ToString());
        var lines = proxy.LogEntries(NoMember);
        Assert.Equal(2, lines.Count);
        Assert.True(lines[1].GetProperty("suppressed").GetInt64() >= 2, proxy.Log);
    }
}
