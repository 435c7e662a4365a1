using System.Net;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>Listen and endpoint addresses written the ways etcd users write them: wildcards, IPv6 literals, port 0.</summary>
public class AddressingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task WildcardListenAddress_AcceptsIPv4AndIPv6_LikeGo()
    {
        await using var backend = TestBackend.Greeting("G");
        var port = FreePorts.Next();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", $"--listen-addr=:{port}"]);

        Assert.Equal("G", await GreetingAsync(port, IPAddress.Loopback));
        Assert.Equal("G", await GreetingAsync(port, IPAddress.IPv6Loopback));
    }

    [Fact]
    public async Task IPv6Endpoint_AndIPv6Listener_InBrackets()
    {
        await using var backend = TestBackend.Greeting("6", IPAddress.IPv6Loopback);
        var port = FreePorts.Next();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", $"--listen-addr=[::1]:{port}"]);

        Assert.StartsWith("[::1]:", backend.Address, StringComparison.Ordinal);
        Assert.Equal("6", await GreetingAsync(port, IPAddress.IPv6Loopback));
        var ready = Assert.Single(gateway.LogEntries("ready to proxy client requests"));
        Assert.Equal([backend.Address], ready.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ListenPortZero_PicksAFreePort_AndLogsIt()
    {
        await using var backend = TestBackend.Greeting("Z");
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", "--listen-addr=127.0.0.1:0"]);

        Assert.NotEqual(0, gateway.ListenPort);
        Assert.Equal("Z", await GreetingAsync(gateway.ListenPort, IPAddress.Loopback));
    }

    private static async Task<string> GreetingAsync(int port, IPAddress address)
    {
        using var client = await Loopback.ConnectAsync(port, address);
        return Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, 1, Timeout));
    }
}
