using System.Buffers;
using System.Net.Sockets;

namespace EtcdGateway.Relay;

/// <summary>
/// Copies one direction of a connection, byte for byte, until end of stream.
/// Waits with a zero-byte receive so an idle connection holds no buffer, and forwards end of stream as a FIN
/// (half-close) instead of tearing the connection down.
/// </summary>
internal static class BytePump
{
    /// <summary>Large enough for bulk transfers to move in few system calls; only held while data is in flight.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>
    /// Returns the bytes copied once <paramref name="source"/> reached end of stream and the FIN was passed on.
    /// Throws (<see cref="SocketException"/>, <see cref="ObjectDisposedException"/>) when either side fails or is aborted.
    /// </summary>
    public static async Task<long> RunAsync(Socket source, Socket destination, Endpoints.EndpointStats stats, bool fromClient)
    {
        long copied = 0;
        while (true)
        {
            // Readiness first, buffer second: thousands of idle watch connections then cost no memory.
            await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                var received = await source.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (received == 0)
                {
                    // The sender is done sending, not necessarily done receiving: pass the FIN on, keep the other direction open.
                    destination.Shutdown(SocketShutdown.Send);
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
}
