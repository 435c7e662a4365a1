using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>
/// The byte relay as a client sees it: transparent, half-close kept, resets propagated. The backends here are plain TCP
/// stand-ins, not etcd, so health probes (GET /health) are off.
/// </summary>
public sealed class DataPathTests
{
    private const byte TcpStateClose = 7;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static Task<GatewayProcess> StartGatewayAsync(TestBackend backend) =>
        GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}"]);

    [Fact]
    public async Task A_Slow_Reader_Still_Gets_Every_Byte_In_Order()
    {
        // The backend writes faster than the client reads, so the relay keeps meeting a full destination (the splice
        // relay then sends what sits in its pipe the ordinary way) and must neither lose nor reorder a byte.
        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        await using var backend = TestBackend.Start(async socket =>
        {
            await socket.SendAsync(payload);
            socket.Shutdown(SocketShutdown.Send);
            await socket.ReceiveAsync(new byte[1]);
        });
        await using var gateway = await StartGatewayAsync(backend);

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await client.ReceiveAsync(buffer).WaitAsync(Timeout)) > 0)
        {
            received.Write(buffer, 0, n);
            await Task.Delay(1);
        }

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(received.ToArray()));
    }

    [Fact]
    public async Task EveryByte_ArrivesUnchanged_InBothDirections()
    {
        await using var backend = TestBackend.Echo();
        await using var gateway = await StartGatewayAsync(backend);
        var payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        var reading = Loopback.ReadToEndAsync(client, Timeout);
        await client.SendAsync(payload);
        client.Shutdown(SocketShutdown.Send);
        var echoed = await reading;

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }

    [Fact]
    public async Task ClientHalfClose_StillGetsTheWholeResponse()
    {
        // An HTTP/1.0-style exchange: request, FIN, then the server answers and closes. etcd's gateway loses the answer here.
        var response = new string('r', 200_000);
        await using var backend = TestBackend.Start(async socket =>
        {
            var request = new MemoryStream();
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                request.Write(buffer, 0, n);
            }

            await Task.Delay(200);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"got {request.Length} bytes;{response}"));
            socket.Shutdown(SocketShutdown.Send);
        });
        await using var gateway = await StartGatewayAsync(backend);

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"));
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal($"got 18 bytes;{response}", await Loopback.ReadToEndAsStringAsync(client, Timeout));
    }

    [Fact]
    public async Task BackendHalfClose_ClientCanKeepSending()
    {
        var received = new TaskCompletionSource<string>();
        await using var backend = TestBackend.Start(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("bye"));
            socket.Shutdown(SocketShutdown.Send);
            var all = new MemoryStream();
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                all.Write(buffer, 0, n);
            }

            received.SetResult(Encoding.ASCII.GetString(all.ToArray()));
        });
        await using var gateway = await StartGatewayAsync(backend);

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        Assert.Equal("bye", await Loopback.ReadToEndAsStringAsync(client, Timeout));

        // The backend's FIN reached us; the other direction must still be open.
        await client.SendAsync(Encoding.ASCII.GetBytes("still talking"));
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal("still talking", await received.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task ClientReset_ResetsTheBackendConnection()
    {
        var backendSaw = new TaskCompletionSource<SocketError>();
        await using var backend = TestBackend.Start(async socket =>
        {
            var buffer = new byte[4096];
            try
            {
                while (await socket.ReceiveAsync(buffer) > 0)
                {
                }

                backendSaw.SetResult(SocketError.Success);
            }
            catch (SocketException e)
            {
                backendSaw.SetResult(e.SocketErrorCode);
            }
        });
        await using var gateway = await StartGatewayAsync(backend);

        var client = await Loopback.ConnectAsync(gateway.ListenPort);
        await client.SendAsync(Encoding.ASCII.GetBytes("hello"));
        await WaitUntil(() => backend.AcceptedCount == 1);
        Loopback.Reset(client);

        Assert.Equal(SocketError.ConnectionReset, await backendSaw.Task.WaitAsync(Timeout));
    }

    [Fact]
    public async Task BackendReset_ResetsTheClientConnection()
    {
        await using var backend = TestBackend.Start(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("partial"));
            await Task.Delay(100);
            Loopback.Reset(socket);
        });
        await using var gateway = await StartGatewayAsync(backend);

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        Assert.Equal("partial", Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, 7, Timeout)));
        var error = await Assert.ThrowsAsync<SocketException>(() => Loopback.ReadToEndAsync(client, Timeout));
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact]
    public async Task IdleConnections_StayOpen_AndStillRelayLater()
    {
        await using var backend = TestBackend.Echo();
        await using var gateway = await StartGatewayAsync(backend);
        var clients = new List<Socket>();
        for (var i = 0; i < 50; i++)
        {
            clients.Add(await Loopback.ConnectAsync(gateway.ListenPort));
        }

        await Task.Delay(500);
        foreach (var (client, i) in clients.Select((c, i) => (c, i)))
        {
            var message = Encoding.ASCII.GetBytes($"ping {i}");
            await client.SendAsync(message);
            Assert.Equal(message, await Loopback.ReadExactlyAsync(client, message.Length, Timeout));
            client.Dispose();
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

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
