using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Lifecycle;

/// <summary>SIGTERM/SIGINT: stop accepting at once, let open connections finish up to --drain-timeout, exit 0.</summary>
public class ShutdownTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sigterm_RefusesNewConnections_WhileOpenOnesKeepWorking_ThenExitsZero()
    {
        await using var backend = TestBackend.Echo();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}"]);
        using var open = await Loopback.ConnectAsync(gateway.ListenPort);
        await AssertEchoesAsync(open, "before");

        gateway.Terminate();
        await gateway.WaitForLogAsync("stopped accepting connections; draining", Timeout);

        var refused = await Assert.ThrowsAsync<SocketException>(() => Loopback.ConnectAsync(gateway.ListenPort));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        await AssertEchoesAsync(open, "during drain");
        Assert.False(gateway.HasExited);

        open.Shutdown(SocketShutdown.Send);
        await Loopback.ReadToEndAsync(open, Timeout);
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.Single(gateway.LogEntries("gateway stopped"));
    }

    [Fact]
    public async Task DrainTimeout_ClosesWhatIsStillOpen_AndExitsZero()
    {
        await using var backend = TestBackend.Echo();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", "--drain-timeout=1s"]);
        using var stubborn = await Loopback.ConnectAsync(gateway.ListenPort);
        await AssertEchoesAsync(stubborn, "hi");

        var clock = Stopwatch.StartNew();
        gateway.Interrupt();

        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(10));
        var warning = Assert.Single(gateway.LogEntries("drain timeout reached; closing remaining connections"));
        Assert.Equal(1, warning.GetProperty("open-connections").GetInt32());
        await Record.ExceptionAsync(() => Loopback.ReadToEndAsync(stubborn, Timeout));
    }

    [Fact]
    public async Task SecondSignal_ExitsAtOnce_NonZero()
    {
        await using var backend = TestBackend.Echo();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", "--drain-timeout=1m"]);
        using var open = await Loopback.ConnectAsync(gateway.ListenPort);
        await AssertEchoesAsync(open, "hi");

        gateway.Terminate();
        await gateway.WaitForLogAsync("stopped accepting connections; draining", Timeout);
        gateway.Terminate();

        Assert.Equal(143, await gateway.WaitForExitAsync(Timeout));
        Assert.Single(gateway.LogEntries("received second signal; exiting without waiting for connections"));
    }

    [Fact]
    public async Task SdNotify_ReadyOnceListening_StoppingOnShutdown()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gw-notify-{Guid.NewGuid():N}.sock");
        using var notifications = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notifications.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            await using var backend = TestBackend.Echo();
            await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}"], environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path });

            Assert.Equal("READY=1", await ReceiveAsync(notifications));
            using (var client = await Loopback.ConnectAsync(gateway.ListenPort))
            {
                // READY came after the listener was bound: a connection is accepted and relayed.
                await AssertEchoesAsync(client, "ready means ready");
            }

            gateway.Terminate();
            Assert.Equal("STOPPING=1", await ReceiveAsync(notifications));
            Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket)
    {
        var buffer = new byte[256];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeout);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    private static async Task AssertEchoesAsync(Socket client, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        await client.SendAsync(bytes);
        Assert.Equal(text, Encoding.ASCII.GetString(await Loopback.ReadExactlyAsync(client, bytes.Length, Timeout)));
    }
}
