using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Discovery;

/// <summary>
/// Checks that a discovered endpoint is the cluster's before any client is sent to it: a real TLS handshake whose
/// certificate must chain to the trusted CA (the system roots when none is given), through the intermediates the endpoint
/// sends, and name the SRV target or the discovery domain. Only the check terminates TLS; client connections are still
/// passed through untouched.
/// </summary>
internal sealed class TlsEndpointVerifier(PeerCertificateValidator validator, TimeSpan timeout)
{
    /// <summary>Reads the CA bundle of <c>--trusted-ca-file</c> now, or uses the system roots when <paramref name="caFile"/> is null.</summary>
    public static TlsEndpointVerifier Create(string? caFile, TimeSpan timeout) =>
        new(PeerCertificateValidator.Load(caFile, "--trusted-ca-file"), timeout);

    /// <summary>Null when <paramref name="address"/> proved to be <paramref name="targetHost"/>; otherwise why not, for a log line.</summary>
    public async Task<string?> VerifyAsync(IPEndPoint address, string targetHost, string domain, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        string? rejection = null;
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(address, deadline.Token);
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = targetHost,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    rejection = validator.Check(certificate, chain, [targetHost, domain]);
                    return rejection is null;
                },
            }, deadline.Token);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no TLS handshake within {timeout.TotalMilliseconds:0} ms";
        }
        catch (AuthenticationException e)
        {
            return rejection ?? $"TLS handshake failed: {e.Message}";
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return rejection ?? $"cannot connect for the TLS check: {e.Message}";
        }
    }
}
