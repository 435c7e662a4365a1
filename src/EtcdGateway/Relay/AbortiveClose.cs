using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EtcdGateway.Relay;

/// <summary>
/// Closes a TCP connection with an RST and nothing before it, so a peer never reads a clean end of stream first (a
/// truncated answer would then look complete). Linger 0 alone leaves the order to how the runtime wakes operations still
/// pending on the socket when it is disposed; a shutdown() there would send a FIN ahead of the RST. On Linux, connect()
/// with AF_UNSPEC disconnects a TCP socket at once: it sends the RST, fails pending operations with ECONNRESET, and
/// leaves nothing for a later shutdown() or close() to send.
/// </summary>
internal static class AbortiveClose
{
    /// <summary>A sockaddr whose family (the first two bytes) is AF_UNSPEC; the rest is ignored.</summary>
    private static readonly byte[] UnspecifiedAddress = new byte[16];

    /// <summary>Resets the connection and releases the socket. Safe on a socket that is already closed.</summary>
    public static void Reset(Socket socket)
    {
        try
        {
            // Linger 0 makes close() send RST instead of FIN wherever the disconnect below is not available.
            socket.LingerState = new LingerOption(true, 0);
            if (OperatingSystem.IsLinux())
            {
                Disconnect(socket.SafeHandle);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: nothing left to reset.
        }

        socket.Dispose();
    }

    private static void Disconnect(SafeHandle handle)
    {
        var added = false;
        try
        {
            // Hold a reference so the descriptor cannot be closed (and its number reused) while we use it.
            handle.DangerousAddRef(ref added);
            _ = Connect((int)handle.DangerousGetHandle(), UnspecifiedAddress, UnspecifiedAddress.Length);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "connect", SetLastError = true)]
    private static extern int Connect(int fd, byte[] address, int addressLength);
}
