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
}
