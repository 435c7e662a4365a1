using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EtcdGateway.Linux;

/// <summary>
/// The socket calls the event-loop relay makes on raw descriptors. Every call retries Errno.EINTR and returns a negative errno
/// on failure, so the loop can branch on the result without exceptions on its hot path. The imports take only
/// primitives and pointers and read errno themselves, so they need no marshalling stub.
/// </summary>
internal static unsafe class LinuxSockets
{

    private const int SockStream = 1;
    private const int SolSocket = 1;
    private const int SoError = 4;
    private const int SoLinger = 13;
    private const int IpProtoTcp = 6;
    private const int TcpNoDelay = 1;
    private const int TcpInfo = 11;
    private const byte TcpStateClose = 7;
    private const int ShutWrite = 1;

    /// <summary>A non-blocking, close-on-exec TCP socket for <paramref name="family"/>; the descriptor or -errno.</summary>
    public static int OpenStream(AddressFamily family) =>
        Checked(SocketCall(family == AddressFamily.InterNetworkV6 ? 10 : 2, SockStream | DescriptorFlags.NonBlock | DescriptorFlags.CloseOnExec, 0));

    /// <summary>Accepts one pending connection as a non-blocking, close-on-exec descriptor; the descriptor or -errno.</summary>
    public static int Accept(int listenFd)
    {
        while (true)
        {
            var fd = Accept4(listenFd, null, null, DescriptorFlags.NonBlock | DescriptorFlags.CloseOnExec);
            if (fd >= 0)
            {
                return fd;
            }

            var errno = Marshal.GetLastSystemError();
            if (errno != Errno.EINTR)
            {
                return -errno;
            }
        }
    }

    /// <summary>Starts a connect; 0 when connected at once, -Errno.EINPROGRESS while under way, another -errno on failure.</summary>
    public static int Connect(int fd, ReadOnlySpan<byte> socketAddress)
    {
        fixed (byte* address = socketAddress)
        {
            return ConnectCall(fd, address, socketAddress.Length) == 0 ? 0 : -Marshal.GetLastSystemError();
        }
    }

    /// <summary>The pending error of a socket (and clears it): 0, or an errno such as ECONNREFUSED.</summary>
    public static int TakeError(int fd)
    {
        var error = 0;
        var length = sizeof(int);
        return GetSockOpt(fd, SolSocket, SoError, &error, &length) == 0 ? error : Marshal.GetLastSystemError();
    }

    /// <summary>Sends segments as soon as they are written (interactive requests must not wait for Nagle).</summary>
    public static void SetNoDelay(int fd)
    {
        var on = 1;
        _ = SetSockOpt(fd, IpProtoTcp, TcpNoDelay, &on, sizeof(int));
    }

    /// <summary>
    /// Whether the peer reset the connection rather than closed it, for a socket on which we have not sent a FIN: after
    /// the peer's FIN the TCP state is CLOSE_WAIT, after an RST it is CLOSE (a reset can arrive behind a FIN and then
    /// reads as a plain end of stream).
    /// </summary>
    public static bool WasReset(int fd)
    {
        var info = stackalloc byte[8];
        var length = 8;
        return GetSockOpt(fd, IpProtoTcp, TcpInfo, info, &length) == 0 && length > 0 && info[0] == TcpStateClose;
    }

    /// <summary>Sends our FIN: the peer reads end of stream, and can still send to us.</summary>
    public static int ShutdownSend(int fd) => ShutdownCall(fd, ShutWrite) == 0 ? 0 : -Marshal.GetLastSystemError();

    /// <summary>Closes with an RST and nothing before it (linger 0), so the peer never reads a clean end of stream.</summary>
    public static void Reset(int fd)
    {
        var linger = stackalloc int[] { 1, 0 };
        _ = SetSockOpt(fd, SolSocket, SoLinger, linger, 2 * sizeof(int));
        Close(fd);
    }

    public static void Close(int fd) => _ = CloseCall(fd);

    /// <summary>Reads into <paramref name="buffer"/>: the count, 0 at end of stream, or -errno.</summary>
    public static long Read(int fd, Span<byte> buffer)
    {
        while (true)
        {
            long read;
            fixed (byte* bytes = buffer)
            {
                read = ReadCall(fd, bytes, (nuint)buffer.Length);
            }

            if (read >= 0)
            {
                return read;
            }

            var errno = Marshal.GetLastSystemError();
            if (errno != Errno.EINTR)
            {
                return -errno;
            }
        }
    }

    /// <summary>
    /// Receives into <paramref name="buffer"/> from a socket: the count, 0 at end of stream, or -errno. recv goes straight
    /// to the socket, where read passes through the file layer first.
    /// </summary>
    public static long Receive(int fd, Span<byte> buffer)
    {
        while (true)
        {
            long received;
            fixed (byte* bytes = buffer)
            {
                received = ReceiveCall(fd, bytes, (nuint)buffer.Length, 0);
            }

            if (received >= 0)
            {
                return received;
            }

            var errno = Marshal.GetLastSystemError();
            if (errno != Errno.EINTR)
            {
                return -errno;
            }
        }
    }

    /// <summary>Writes from <paramref name="bytes"/> without SIGPIPE: the count written or -errno.</summary>
    public static long Send(int fd, ReadOnlySpan<byte> bytes)
    {
        const int NoSignal = 0x4000;
        while (true)
        {
            long sent;
            fixed (byte* buffer = bytes)
            {
                sent = SendCall(fd, buffer, (nuint)bytes.Length, NoSignal);
            }

            if (sent >= 0)
            {
                return sent;
            }

            var errno = Marshal.GetLastSystemError();
            if (errno != Errno.EINTR)
            {
                return -errno;
            }
        }
    }

    /// <summary>The peer's address (for log lines), or null when the socket has none any more.</summary>
    public static IPEndPoint? PeerAddress(int fd)
    {
        var buffer = stackalloc byte[128];
        var length = 128;
        return GetPeerName(fd, buffer, &length) == 0 ? SocketAddressBytes.Decode(new ReadOnlySpan<byte>(buffer, Math.Min(length, 128))) : null;
    }

    private static int Checked(int result) => result >= 0 ? result : -Marshal.GetLastSystemError();

    [DllImport("libc", EntryPoint = "socket")]
    private static extern int SocketCall(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "accept4")]
    private static extern int Accept4(int fd, void* address, int* addressLength, int flags);

    [DllImport("libc", EntryPoint = "connect")]
    private static extern int ConnectCall(int fd, byte* address, int addressLength);

    [DllImport("libc", EntryPoint = "getsockopt")]
    private static extern int GetSockOpt(int fd, int level, int name, void* value, int* length);

    [DllImport("libc", EntryPoint = "setsockopt")]
    private static extern int SetSockOpt(int fd, int level, int name, void* value, int length);

    [DllImport("libc", EntryPoint = "shutdown")]
    private static extern int ShutdownCall(int fd, int how);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int CloseCall(int fd);

    [DllImport("libc", EntryPoint = "read")]
    private static extern long ReadCall(int fd, byte* buffer, nuint count);

    [DllImport("libc", EntryPoint = "recv")]
    private static extern long ReceiveCall(int fd, byte* buffer, nuint count, int flags);

    [DllImport("libc", EntryPoint = "send")]
    private static extern long SendCall(int fd, byte* buffer, nuint count, int flags);

    [DllImport("libc", EntryPoint = "getpeername")]
    private static extern int GetPeerName(int fd, byte* address, int* length);
}
