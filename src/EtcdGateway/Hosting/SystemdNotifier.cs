using System.Net.Sockets;
using System.Text;

namespace EtcdGateway.Hosting;

/// <summary>Tells systemd about readiness and shutdown (<c>sd_notify</c>) when it started us with <c>NOTIFY_SOCKET</c> set.</summary>
internal sealed class SystemdNotifier(string? socketPath)
{
    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public bool IsEnabled => !string.IsNullOrEmpty(socketPath);

    /// <summary>Sends a state line such as <c>READY=1</c>; returns false (and never throws) when it could not.</summary>
    public bool Notify(string state)
    {
        if (!IsEnabled)
        {
            return false;
        }

        // A leading '@' names a socket in the abstract namespace, spelled with a NUL byte at the socket level.
        var path = socketPath![0] == '@' ? "\0" + socketPath[1..] : socketPath;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
