using System.Net.Sockets;

namespace EtcdGateway.Relay;

/// <summary>Sorts socket errors into the cases the gateway treats differently.</summary>
internal static class SocketErrors
{
    /// <summary>Errors that mean this process or machine is short of something (fds, buffers, ports), not that a peer failed.</summary>
    public static bool IsLocalResourceShortage(SocketError error) => error is
        SocketError.TooManyOpenSockets // EMFILE, ENFILE
        or SocketError.NoBufferSpaceAvailable // ENOBUFS
        or SocketError.AddressNotAvailable; // EADDRNOTAVAIL: ephemeral ports used up

    /// <summary>
    /// How the accept loop should react to a failed accept. Only errors that mean the listening socket itself is broken
    /// are fatal; an error we do not recognise (ENOMEM and EPROTO arrive as plain <see cref="SocketError.SocketError"/>)
    /// is treated as pressure and backed off from, because exiting would turn a passing fault into an outage.
    /// </summary>
    public static AcceptErrorKind ClassifyAcceptError(SocketError error) => error switch
    {
        // EINVAL (not listening), ENOTSOCK, EFAULT, EOPNOTSUPP (not a stream socket), EBADF (closed under us).
        SocketError.InvalidArgument or SocketError.NotSocket or SocketError.Fault
            or SocketError.OperationNotSupported or SocketError.OperationAborted => AcceptErrorKind.Fatal,

        // One connection failed between SYN and accept, a signal, or a firewall said no to one peer
        // (accept(2) lists these, and EPROTO/ENOPROTOOPT/ENONET, as "retry like EAGAIN").
        SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.Interrupted
            or SocketError.TryAgain or SocketError.WouldBlock or SocketError.TimedOut
            or SocketError.NetworkDown or SocketError.NetworkUnreachable or SocketError.HostUnreachable
            or SocketError.HostDown or SocketError.ProtocolOption or SocketError.AccessDenied => AcceptErrorKind.Transient,

        _ => AcceptErrorKind.ResourcePressure,
    };

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
        1 or 13 => SocketError.AccessDenied, // EPERM, EACCES
        4 => SocketError.Interrupted,
        9 => SocketError.OperationAborted, // EBADF
        11 => SocketError.WouldBlock,
        14 => SocketError.Fault,
        22 => SocketError.InvalidArgument,
        23 or 24 => SocketError.TooManyOpenSockets, // ENFILE, EMFILE
        88 => SocketError.NotSocket,
        92 => SocketError.ProtocolOption,
        95 => SocketError.OperationNotSupported,
        97 => SocketError.AddressFamilyNotSupported,
        98 => SocketError.AddressAlreadyInUse,
        99 => SocketError.AddressNotAvailable,
        100 => SocketError.NetworkDown,
        101 => SocketError.NetworkUnreachable,
        103 => SocketError.ConnectionAborted,
        104 => SocketError.ConnectionReset,
        105 => SocketError.NoBufferSpaceAvailable,
        107 => SocketError.NotConnected,
        110 => SocketError.TimedOut,
        111 => SocketError.ConnectionRefused,
        112 => SocketError.HostDown,
        113 => SocketError.HostUnreachable,
        115 => SocketError.InProgress,
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
