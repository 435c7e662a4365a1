using System.Net;
using System.Net.Sockets;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Relay;

/// <summary>Opens a TCP connection to an endpoint, trying each of its IP addresses, all within <c>--dial-timeout</c>.</summary>
internal sealed class BackendDialer(TimeSpan dialTimeout)
{
    public TimeSpan DialTimeout => dialTimeout;

    /// <exception cref="DialException">No address answered in time; <see cref="DialException.Fault"/> says whose fault.</exception>
    public async Task<Socket> DialAsync(Endpoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(dialTimeout);
        DialException? last = null;
        foreach (var ip in endpoint.IPAddresses)
        {
            var target = new IPEndPoint(ip, endpoint.Address.Port);
            Socket socket;
            try
            {
                socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            }
            catch (SocketException e)
            {
                throw new DialException($"dial tcp {target}: {SocketErrors.Describe(e)}", DialFault.Local, e);
            }

            try
            {
                socket.NoDelay = true;
                await socket.ConnectAsync(target, timeout.Token);
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new DialException($"dial tcp {target}: i/o timeout (no answer within {Cli.GoDuration.Format(dialTimeout)})", DialFault.Endpoint);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                var fault = SocketErrors.IsLocalResourceShortage(e.SocketErrorCode) ? DialFault.Local : DialFault.Endpoint;
                last = new DialException($"dial tcp {target}: {SocketErrors.Describe(e)}", fault, e);
                if (fault == DialFault.Local)
                {
                    throw last;
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new DialException($"dial tcp {endpoint}: no IP addresses", DialFault.Endpoint);
    }
}
