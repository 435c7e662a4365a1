using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// <c>--grpc-keepalive-interval</c> and <c>--grpc-keepalive-timeout</c> as an HTTP/2 client sees them: after the interval
/// without a frame from the client the proxy pings it, and a client that does not answer is dropped after the timeout.
/// </summary>
public sealed class GrpcServerKeepAliveTests
{
    private const byte Ping = 6;
    private const byte GoAway = 7;

    [Fact]
    public async Task An_Idle_Client_Is_Pinged_After_The_Interval_And_Dropped_When_It_Does_Not_Answer()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([
            $"--endpoints=127.0.0.1:{FreePorts.Next()}", "--health-check=none", "--grpc-keepalive-interval=1s", "--grpc-keepalive-timeout=1s"]);
        using var tcp = new TcpClient();
        var colon = proxy.ListenAddress.LastIndexOf(':');
        await tcp.ConnectAsync(proxy.ListenAddress[..colon], int.Parse(proxy.ListenAddress[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var stream = tcp.GetStream();

        // The client preface and an empty SETTINGS frame, then silence: no ACKs, no answer to pings.
        await stream.WriteAsync(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 });
        var quiet = Stopwatch.StartNew();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        TimeSpan? pinged = null;
        TimeSpan? dropped = null;
        while (dropped is null)
        {
            var header = new byte[9];
            if (!await ReadExactlyOrEndAsync(stream, header, deadline.Token))
            {
                dropped = quiet.Elapsed;
                break;
            }

            var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
            await stream.ReadExactlyAsync(payload, deadline.Token);
            if (header[3] == Ping && (header[4] & 1) == 0)
            {
                pinged ??= quiet.Elapsed;
            }
            else if (header[3] == GoAway)
            {
                dropped = quiet.Elapsed;
            }
        }

        // Kestrel looks once a second: the ping comes 1 to 3 s after the last frame, the drop about a second after it.
        Assert.NotNull(pinged);
        Assert.InRange(pinged.Value, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
        Assert.InRange(dropped.Value - pinged.Value, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4));
    }

    private static async Task<bool> ReadExactlyOrEndAsync(NetworkStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException { InnerException: SocketException })
        {
            return false;
        }
    }
}
