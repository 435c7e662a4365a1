using System.Net.Sockets;

namespace EtcdGateway.Linux;

/// <summary>Sorts socket errors into the cases the gateway treats differently.</summary>
internal static class SocketErrors
{
    /// <summary>Errors that mean this process or machine is short of something (fds, buffers, ports), not that a peer failed.</summary>
    public static bool IsLocalResourceShortage(SocketError error) => error is
        SocketError.TooManyOpenSockets // EMFILE, ENFILE
        or SocketError.NoBufferSpaceAvailable // ENOBUFS
        or SocketError.AddressNotAvailable; // EADDRNOTAVAIL: ephemeral ports used up

    /// <summary>Lower-case text for an error code, as Go prints it (<c>connection refused</c>).</summary>
    public static string Describe(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.TimedOut => "i/o timeout",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.TooManyOpenSockets => "too many open files",
        SocketError.AddressFamilyNotSupported => "address family not supported by protocol",
        _ => exception.Message.Length > 0 ? char.ToLowerInvariant(exception.Message[0]) + exception.Message[1..] : exception.SocketErrorCode.ToString(),
    };

    /// <summary>The <see cref="SocketError"/> for a Linux errno, so raw-descriptor calls are sorted and described like the runtime's.</summary>
    public static SocketError FromErrno(int errno) => errno switch
    {
        Errno.EPERM or Errno.EACCES => SocketError.AccessDenied,
        Errno.EINTR => SocketError.Interrupted,
        Errno.EBADF => SocketError.OperationAborted,
        Errno.EAGAIN => SocketError.WouldBlock,
        Errno.EFAULT => SocketError.Fault,
        Errno.EINVAL => SocketError.InvalidArgument,
        Errno.ENFILE or Errno.EMFILE => SocketError.TooManyOpenSockets,
        Errno.ENOTSOCK => SocketError.NotSocket,
        Errno.ENOPROTOOPT => SocketError.ProtocolOption,
        Errno.EOPNOTSUPP => SocketError.OperationNotSupported,
        Errno.EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        Errno.EADDRINUSE => SocketError.AddressAlreadyInUse,
        Errno.EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        Errno.ENETDOWN => SocketError.NetworkDown,
        Errno.ENETUNREACH => SocketError.NetworkUnreachable,
        Errno.ECONNABORTED => SocketError.ConnectionAborted,
        Errno.ECONNRESET => SocketError.ConnectionReset,
        Errno.ENOBUFS => SocketError.NoBufferSpaceAvailable,
        Errno.ENOTCONN => SocketError.NotConnected,
        Errno.ETIMEDOUT => SocketError.TimedOut,
        Errno.ECONNREFUSED => SocketError.ConnectionRefused,
        Errno.EHOSTDOWN => SocketError.HostDown,
        Errno.EHOSTUNREACH => SocketError.HostUnreachable,
        Errno.EINPROGRESS => SocketError.InProgress,
        _ => SocketError.SocketError,
    };

    /// <summary>Lower-case text for a Linux errno, as <see cref="Describe"/> gives for the runtime's errors.</summary>
    public static string DescribeErrno(int errno)
    {
        var error = FromErrno(errno);
        if (error != SocketError.SocketError)
        {
            return Describe(new SocketException((int)error));
        }

        var text = System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno);
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : $"errno {errno}";
    }
}
