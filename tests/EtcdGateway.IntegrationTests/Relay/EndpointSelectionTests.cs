using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>
/// Which backend a new connection gets, and what happens when a dial fails: etcd's gateway semantics (dial failures take an
/// endpoint out, --retry-delay brings it back), so health probes are off and the backends are plain TCP stand-ins.
/// </summary>
public class EndpointSelectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task RoundRobin_FollowsTheConfiguredOrder()
    {
        await using var a = TestBackend.Greeting("A");
        await using var b = TestBackend.Greeting("B");
        await using var c = TestBackend.Greeting("C");
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={b.Address},{c.Address}", $"--endpoints={a.Address}"]);

        var order = new StringBuilder();
        for (var i = 0; i < 7; i++)
        {
            order.Append(await GreetingThroughAsync(gateway));
        }

        Assert.Equal("BCABCAB", order.ToString());
    }

    [Fact]
    public async Task RandomPolicy_ReachesEveryEndpoint()
    {
        await using var a = TestBackend.Greeting("A");
        await using var b = TestBackend.Greeting("B");
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={a.Address},{b.Address}", "--pick-policy=random"]);

        var seen = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            seen.Add(await GreetingThroughAsync(gateway));
        }

        Assert.InRange(seen.Count(s => s == "A"), 5, 35);
        Assert.InRange(seen.Count(s => s == "B"), 5, 35);
    }

    [Fact]
    public async Task RefusedEndpoint_IsSkipped_AndTheClientNeverNotices()
    {
        var dead = FreePorts.Next();
        await using var live = TestBackend.Greeting("L");
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints=127.0.0.1:{dead},{live.Address}"]);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("L", await GreetingThroughAsync(gateway));
        }

        var deactivated = Assert.Single(gateway.LogEntries("deactivated endpoint"));
        Assert.Equal($"127.0.0.1:{dead}", deactivated.GetProperty("address").GetString());
        Assert.Equal("1m0s", deactivated.GetProperty("interval").GetString());
        Assert.Contains("connection refused", deactivated.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("warn", deactivated.GetProperty("level").GetString());
    }

    [Fact]
    public async Task BlackHoledEndpoint_CostsAtMostTheDialTimeout()
    {
        // A listener whose accept queue is full and never drained: the kernel drops further SYNs, so a dial hangs.
        using var blackHole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackHole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackHole.Listen(0);
        var port = ((IPEndPoint)blackHole.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        for (var i = 0; i < 4; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
            try
            {
                filler.Connect(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException)
            {
                // In progress (or already dropped): either way it takes a place in the queue or proves it is full.
            }

            fillers.Add(filler);
        }

        await using var live = TestBackend.Greeting("L");
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints=127.0.0.1:{port},{live.Address}", "--dial-timeout=500ms"]);

        var clock = Stopwatch.StartNew();
        Assert.Equal("L", await GreetingThroughAsync(gateway));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"first call took {clock.Elapsed}");
        // Log lines are written from the logger's own thread, so the line may land just after the answer.
        var deactivated = await gateway.WaitForLogAsync("deactivated endpoint", TimeSpan.FromSeconds(5));
        Assert.Contains("i/o timeout", deactivated.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Single(gateway.LogEntries("deactivated endpoint"));

        // Once out of rotation the black hole costs nothing at all.
        clock.Restart();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("L", await GreetingThroughAsync(gateway));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"five calls took {clock.Elapsed}");
        fillers.ForEach(f => f.Dispose());
    }

    [Fact]
    public async Task EndpointThatComesBack_ReturnsAfterTheRetryDelay()
    {
        var port = FreePorts.Next();
        await using var other = TestBackend.Greeting("O");
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints=127.0.0.1:{port},{other.Address}", "--retry-delay=1s"]);
        Assert.Equal("O", await GreetingThroughAsync(gateway));
        await gateway.WaitForLogAsync("deactivated endpoint", Timeout);
        await gateway.WaitForLogAsync("failed to activate endpoint (stay inactive for another interval)", Timeout);

        await using var revived = TestBackend.Start(async s => await s.SendAsync(Encoding.ASCII.GetBytes("R")), port);
        var activated = await gateway.WaitForLogAsync("activated", Timeout);
        Assert.Equal($"127.0.0.1:{port}", activated.GetProperty("address").GetString());

        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            seen.Add(await GreetingThroughAsync(gateway));
        }

        Assert.Equal(["O", "R"], seen.Order());
    }

    [Fact]
    public async Task NoEndpointAnswering_ClosesTheClient_AndSaysSo()
    {
        var dead1 = FreePorts.Next();
        var dead2 = FreePorts.Next();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints=127.0.0.1:{dead1},127.0.0.1:{dead2}"]);

        // The reset can arrive before the client's connect has even completed.
        var outcome = await Record.ExceptionAsync(async () =>
        {
            using var client = await Loopback.ConnectAsync(gateway.ListenPort);
            await Loopback.ReadToEndAsync(client, Timeout);
        });
        Assert.True(outcome is null or SocketException { SocketErrorCode: SocketError.ConnectionReset }, $"unexpected: {outcome}");
        await gateway.WaitForLogAsync("no endpoint available; closing client connection", Timeout);
        Assert.Equal(2, gateway.LogEntries("deactivated endpoint").Count);
    }

    [Fact]
    public async Task WhenEverythingIsOutOfRotation_AMemberThatIsBackIsFoundAtOnce()
    {
        var port = FreePorts.Next();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints=127.0.0.1:{port}"]);

        // The first client is turned away with a reset; it can arrive before the client's connect has even completed.
        await Record.ExceptionAsync(async () =>
        {
            using var first = await Loopback.ConnectAsync(gateway.ListenPort);
            await Loopback.ReadToEndAsync(first, Timeout);
        });

        await gateway.WaitForLogAsync("deactivated endpoint", Timeout);

        // The retry delay is a minute, but the only endpoint is back: the next client is not turned away.
        await using var back = TestBackend.Start(async s => await s.SendAsync(Encoding.ASCII.GetBytes("R")), port);
        Assert.Equal("R", await GreetingThroughAsync(gateway));
        await gateway.WaitForLogAsync("activated", Timeout);
    }

    private static async Task<string> GreetingThroughAsync(GatewayProcess gateway)
    {
        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        return Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, 1, Timeout));
    }
}
