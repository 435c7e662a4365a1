using System.Net.Sockets;
using System.Net;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Linux;

namespace EtcdGateway.Hosting;

/// <summary>Resolves and binds the client-facing listening socket, turning failures into a usage error on <c>--listen-addr</c>.</summary>
internal static class ListenSocketFactory
{
    /// <summary>Linux caps this at net.core.somaxconn; asking high lets bursts queue instead of being refused.</summary>
    private const int Backlog = 4096;

    /// <summary>The address to bind. A wildcard (<c>:P</c>, <c>0.0.0.0:P</c>, <c>[::]:P</c>) means every interface, IPv4 and IPv6, as in Go.</summary>
    public static async Task<IPEndPoint> ResolveAsync(EndpointAddress address, string flag = GatewayFlags.ListenAddr, string? flagValue = null)
    {
        var ips = await EndpointResolver.ResolveHostAsync(address.Host, flag, flagValue ?? address.ToString());
        return new IPEndPoint(ips[0], address.Port);
    }

    public static Socket Bind(IPEndPoint endPoint, string flagValue)
    {
        var wildcard = endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any);
        if (wildcard && Socket.OSSupportsIPv6)
        {
            try
            {
                return BindOne(new IPEndPoint(IPAddress.IPv6Any, endPoint.Port), dualMode: true, flagValue);
            }
            catch (UsageException) when (endPoint.Address.Equals(IPAddress.Any))
            {
                // IPv6 present but unusable (disabled by sysctl): an IPv4 wildcard still does what was asked.
            }
        }

        return BindOne(endPoint, dualMode: false, flagValue);
    }

    private static Socket BindOne(IPEndPoint endPoint, bool dualMode, string flagValue)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (dualMode)
            {
                socket.DualMode = true;
            }

            // Not ReuseAddress: on Linux .NET maps it to SO_REUSEPORT, which would let a second gateway share the port silently.
            socket.Bind(endPoint);
            socket.Listen(Backlog);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "address already in use",
                SocketError.AddressNotAvailable => "cannot assign requested address (not an address of this machine)",
                SocketError.AccessDenied => "permission denied",
                _ => SocketErrorsText(e),
            };
            throw UsageException.InvalidValue(GatewayFlags.ListenAddr, flagValue, reason);
        }
    }

    private static string SocketErrorsText(SocketException e) => SocketErrors.Describe(e);
}
