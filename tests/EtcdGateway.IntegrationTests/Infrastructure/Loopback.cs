using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Small raw-socket helpers for talking to the gateway as a client.</summary>
public static class Loopback
{
    public static async Task<Socket> ConnectAsync(int port, IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(address, port));
        return socket;
    }

    /// <summary>Reads until the peer's FIN; throws on reset or after <paramref name="timeout"/>.</summary>
    public static async Task<byte[]> ReadToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
            if (n == 0)
            {
                return all.ToArray();
            }

            all.Write(buffer, 0, n);
        }
    }

    public static async Task<string> ReadToEndAsStringAsync(Socket socket, TimeSpan timeout) =>
        Encoding.ASCII.GetString(await ReadToEndAsync(socket, timeout));

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancel.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"connection closed after {read} of {count} bytes");
            }

            read += n;
        }

        return buffer;
    }

    /// <summary>Closes with RST instead of FIN.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }
}
