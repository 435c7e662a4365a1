using System.Buffers;
using System.Net.Sockets;

namespace EtcdGateway.Relay;

/// <summary>
/// Copies one direction of a connection, byte for byte, until end of stream. Waits with a zero-byte receive so an idle
/// connection holds no buffer. What to do at end of stream (pass the FIN on, or treat it as a reset) is the caller's.
/// </summary>
internal static class BytePump
{
    /// <summary>Large enough for bulk transfers to move in few system calls; only held while data is in flight.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>
    /// Returns the bytes copied once <paramref name="source"/> reached end of stream.
    /// Throws (<see cref="SocketException"/>, <see cref="ObjectDisposedException"/>) when either side fails or is aborted.
    /// </summary>
    public static async Task<long> RunAsync(Socket source, Socket destination, Endpoints.EndpointStats stats, bool fromClient)
    {
        long copied = 0;
        for (var chunk = 1; ; chunk++)
        {
            // A fast sender's receives complete at once; give other connections a turn on the I/O thread now and then.
            if (chunk % 16 == 0)
            {
                await Task.Yield();
            }

            // Readiness first, buffer second: thousands of idle watch connections then cost no memory.
            await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                var received = await source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (received == 0)
                {
                    return copied;
                }

                var sent = 0;
                while (sent < received)
                {
                    sent += await destination.SendAsync(buffer.AsMemory(sent, received - sent), SocketFlags.None);
                }

                copied += received;
                stats.AddBytes(fromClient, received);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Whether the peer reset the connection rather than closed it, for a socket on which we have not sent a FIN yet:
    /// after the peer's FIN Linux's TCP state is CLOSE_WAIT, after an RST it is CLOSE. (Once we have sent our own FIN, a
    /// normal close also ends in CLOSE, so the answer means nothing then.) Read with TCP_INFO once per end of stream.
    /// </summary>
    public static bool WasReset(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        const int IpProtoTcp = 6;
        const int TcpInfo = 11;
        const byte TcpClose = 7;
        Span<byte> info = stackalloc byte[8];
        try
        {
            return socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) > 0 && info[0] == TcpClose;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
