using System.Net.Sockets;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Lifecycle;

/// <summary>Under a low fd limit: the gateway holds extra clients back, logs it, never exits, and serves again once fds free up.</summary>
public class FdExhaustionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task MoreClientsThanFds_IsSurvived_AndServiceResumes()
    {
        await using var backend = TestBackend.Echo();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}"], fdLimit: 128);

        // Each relayed client costs the gateway two fds; 150 clients cannot all fit under 128. Those beyond the limit
        // are queued, refused or reset: all fine, as long as the gateway lives.
        var clients = new List<Socket>();
        var turnedAway = 0;
        for (var i = 0; i < 150; i++)
        {
            try
            {
                clients.Add(await Loopback.ConnectAsync(gateway.ListenPort));
            }
            catch (SocketException)
            {
                turnedAway++;
            }
        }

        // The gateway caps connections below the fd limit (keeping headroom for the runtime); should fds run out anyway,
        // accept backs off or the client is closed. Any of the three is fine; dying is not.
        var pressure = await Task.WhenAny(
            gateway.WaitForLogAsync("connection limit reached; new connections wait in the listen backlog", Timeout),
            gateway.WaitForLogAsync("accept failed: out of resources; backing off", Timeout),
            gateway.WaitForLogAsync("cannot open a connection to an endpoint; closing client connection", Timeout));
        await pressure;
        Assert.False(gateway.HasExited, gateway.Log);

        foreach (var client in clients)
        {
            client.Dispose();
        }

        // Once fds are free again a new client is served (allow for the back-off, at most 5 s).
        var deadline = DateTime.UtcNow + Timeout;
        string? echoed = null;
        while (echoed is null && DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = await Loopback.ConnectAsync(gateway.ListenPort);
                await client.SendAsync(Encoding.ASCII.GetBytes("alive"));
                echoed = Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, 5, TimeSpan.FromSeconds(10)));
            }
            catch (Exception e) when (e is SocketException or EndOfStreamException or OperationCanceledException)
            {
                await Task.Delay(200);
            }
        }

        Assert.Equal("alive", echoed);
        Assert.False(gateway.HasExited, gateway.Log);
        Assert.Empty(gateway.LogEntries("accept failed; the listener cannot continue"));
    }
}
