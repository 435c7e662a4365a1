using System.Net.Sockets;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>The data path through the default Linux engine: event loops over raw descriptors, splice(2) through a pipe.</summary>
public sealed class EpollRelayDataPathTests() : DataPathTests(null)
{
    private const byte TcpStateClose = 7;

    [Fact]
    public async Task A_Client_That_Half_Closes_And_Then_Resets_Resets_The_Backend_Without_Waiting_For_It_To_Write()
    {
        // The backend reads the request to its end and then only waits (as a server working on a long answer would).
        // Nobody reads the client's socket any more, yet its reset must still reach the backend at once.
        var backendSocket = new TaskCompletionSource<Socket>();
        await using var backend = TestBackend.Start(async socket =>
        {
            await Loopback.ReadToEndAsync(socket, TimeSpan.FromSeconds(15));
            backendSocket.TrySetResult(socket);
            await Task.Delay(TimeSpan.FromSeconds(20));
        });
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}"]);

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        await client.SendAsync(Encoding.ASCII.GetBytes("request"));
        client.Shutdown(SocketShutdown.Send);
        var atBackend = await backendSocket.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.NotEqual(TcpStateClose, TcpState(atBackend));

        Loopback.Reset(client);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (TcpState(atBackend) != TcpStateClose)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the backend's connection is still in TCP state {TcpState(atBackend)}, not reset");
            await Task.Delay(20);
        }
    }

    /// <summary>Linux's TCP state of a socket (TCP_INFO's first byte): 8 CLOSE_WAIT after a FIN, 7 CLOSE after a reset.</summary>
    private static byte TcpState(Socket socket)
    {
        var info = new byte[8];
        socket.GetRawSocketOption(6, 11, info);
        return info[0];
    }
}
