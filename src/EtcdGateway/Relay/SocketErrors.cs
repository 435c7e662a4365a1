using System.Net.Sockets;

namespace EtcdGateway.Relay;

/// <summary>Sorts socket errors into the cases the gateway treats differently.</summary>
internal static class SocketErrors
{
    /// <summary>Errors that mean this process or machine is short of something (fds, buffers, ports), not that a peer failed.</summary>
    public static bool IsLocalResourceShortage(SocketError error) => error is
        SocketError.TooManyOpenSockets // EMFILE, ENFILE
        or SocketError.NoBufferSpaceAvailable // ENOBUFS, ENOMEM
        or SocketError.AddressNotAvailable; // EADDRNOTAVAIL: ephemeral ports used up

    /// <summary>How the accept loop should react to a failed accept.</summary>
    public static AcceptErrorKind ClassifyAcceptError(SocketError error)
    {
        if (IsLocalResourceShortage(error))
        {
            return AcceptErrorKind.ResourcePressure;
        }

        return error switch
        {
            // A client that gave up between SYN and accept, or a signal: nothing is wrong with the listener.
            SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.Interrupted
                or SocketError.TryAgain or SocketError.WouldBlock or SocketError.TimedOut
                or SocketError.NetworkDown or SocketError.NetworkUnreachable or SocketError.HostUnreachable
                or SocketError.HostDown or SocketError.ProtocolNotSupported or SocketError.OperationNotSupported
                => AcceptErrorKind.Transient,
            _ => AcceptErrorKind.Fatal,
        };
    }

    /// <summary>Lower-case text for an error code, as Go prints it (<c>connection refused</c>).</summary>
    public static string Describe(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.ConnectionReset => "connection reset by peer",
        SocketError.TimedOut => "i/o timeout",
        SocketError.HostUnreachable => "no route to host",
        SocketError.NetworkUnreachable => "network is unreachable",
        SocketError.TooManyOpenSockets => "too many open files",
        _ => exception.Message.Length > 0 ? char.ToLowerInvariant(exception.Message[0]) + exception.Message[1..] : exception.SocketErrorCode.ToString(),
    };
}
