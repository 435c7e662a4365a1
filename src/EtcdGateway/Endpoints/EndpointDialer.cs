using System.Net.Sockets;
using System.Net;
using EtcdGateway.Endpoints;
using EtcdGateway.Linux;

namespace EtcdGateway.Endpoints;

/// <summary>Opens a TCP connection to an endpoint, trying each of its IP addresses, all within <c>--dial-timeout</c>.</summary>
internal sealed class EndpointDialer(TimeSpan dialTimeout, TimeProvider time)
{
    /// <exception cref="DialException">No address answered in time; <see cref="DialException.Fault"/> says whose fault.</exception>
    public async Task<Socket> DialAsync(Endpoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(dialTimeout, time);
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken) : null;
        var token = linked?.Token ?? timeout.Token;
        DialException? last = null;
        foreach (var ip in endpoint.IPAddresses)
        {
            var target = new IPEndPoint(ip, endpoint.Address.Port);
            Socket? socket = null;
            try
            {
                socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.NoDelay = true;
                await socket.ConnectAsync(target, token);
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket?.Dispose();
                throw new DialException($"dial tcp {target}: i/o timeout", DialFault.Endpoint);
            }
            catch (SocketException e)
            {
                socket?.Dispose();

                // socket() itself failing (socket is null) is ours only when it is a shortage; EAFNOSUPPORT, say, is the address's.
                var fault = SocketErrors.IsLocalResourceShortage(e.SocketErrorCode) ? DialFault.Local : DialFault.Endpoint;
                var step = socket is null ? "socket" : "connect";
                last = new DialException($"dial tcp {target}: {step}: {SocketErrors.Describe(e)}", fault, e);
                if (fault == DialFault.Local)
                {
                    throw last;
                }
            }
            catch
            {
                socket?.Dispose();
                throw;
            }
        }

        throw last ?? new DialException($"dial tcp {endpoint}: no IP addresses", DialFault.Endpoint);
    }
}
