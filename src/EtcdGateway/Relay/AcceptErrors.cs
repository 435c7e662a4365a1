using System.Net.Sockets;

namespace EtcdGateway.Relay;

/// <summary>The gateway's one accept policy: which failed accepts to skip, to back off from, or to stop at.</summary>
internal static class AcceptErrors
{
    /// <summary>
    /// How the accept loop should react to a failed accept. Only errors that mean the listening socket itself is broken
    /// are fatal; an error we do not recognise (ENOMEM and EPROTO arrive as plain <see cref="SocketError.SocketError"/>)
    /// is treated as pressure and backed off from, because exiting would turn a passing fault into an outage.
    /// </summary>
    public static AcceptErrorKind Classify(SocketError error) => error switch
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

}
