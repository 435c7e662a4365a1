using System.Net;
using System.Net.Sockets;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Hosting;

/// <summary>Binds the client-facing listening socket, turning bind failures into a usage error on <c>--listen-addr</c>.</summary>
internal static class ListenSocketFactory
{
    /// <summary>Linux caps this at net.core.somaxconn; asking high lets bursts queue instead of being refused.</summary>
    private const int Backlog = 4096;

    public static async Task<(Socket Socket, IPEndPoint EndPoint)> BindAsync(EndpointAddress address)
    {
        var text = address.ToString();
        var ips = await EndpointResolver.ResolveHostAsync(address.Host, GatewayFlags.ListenAddr, text);
        var endPoint = new IPEndPoint(ips[0], address.Port);
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Not ReuseAddress: on Linux .NET maps it to SO_REUSEPORT, which would let a second gateway share the port silently.
            socket.Bind(endPoint);
            socket.Listen(Backlog);
            return (socket, (IPEndPoint)socket.LocalEndPoint!);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "address already in use",
                SocketError.AddressNotAvailable => "cannot assign requested address (not an address of this machine)",
                SocketError.AccessDenied => "permission denied",
                _ => e.Message,
            };
            throw UsageException.InvalidValue(GatewayFlags.ListenAddr, text, reason);
        }
    }
}
