using System.Net.Sockets;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// Tells HTTP/2 prior knowledge from HTTP/1.1 by peeking (MSG_PEEK) at a new connection's first bytes, as etcd's cmux
/// does: they stay in the kernel's buffer for whoever reads the connection next, so nothing is copied or replayed.
/// </summary>
internal static class PrefaceSniffer
{
    /// <summary>Every HTTP/2 connection opened with prior knowledge starts with these 24 bytes (RFC 9113, 3.4).</summary>
    public static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>
    /// Waits for enough bytes to decide: the whole preface (HTTP/2), or a byte that differs from it (anything else, which
    /// the HTTP/1.1 side answers or rejects). Null when the client closed before sending anything that decides.
    /// </summary>
    public static async Task<SharedPortProtocol?> SniffAsync(Socket socket, TimeProvider time, CancellationToken cancellationToken)
    {
        var buffer = new byte[Http2Preface.Length];
        var seen = 0;
        while (true)
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.Peek, cancellationToken);
            if (count == 0)
            {
                return null;
            }

            if (!Http2Preface[..count].SequenceEqual(buffer.AsSpan(0, count)))
            {
                return SharedPortProtocol.Http1;
            }

            if (count == Http2Preface.Length)
            {
                return SharedPortProtocol.Http2;
            }

            // A preface split across packets: a peek returns at once while the bytes are there, so wait a little for the
            // rest instead of spinning. Real clients send the preface in one write; this path is rare.
            if (count == seen)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
            }

            seen = count;
        }
    }
}
