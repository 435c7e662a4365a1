using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.Discovery;

/// <summary>
/// Checks that a discovered endpoint is the cluster's before any client is sent to it: a real TLS handshake whose
/// certificate must chain to the trusted CA (the system roots when none is given) and name the SRV target or the
/// discovery domain. Only the check terminates TLS; client connections are still passed through untouched.
/// </summary>
internal sealed class TlsEndpointVerifier(X509Certificate2Collection? trustedRoots, TimeSpan timeout)
{
    /// <summary>Loads the CA bundle of <c>--trusted-ca-file</c>, or uses the system roots when <paramref name="caFile"/> is null.</summary>
    public static TlsEndpointVerifier Create(string? caFile, TimeSpan timeout)
    {
        if (caFile is null)
        {
            return new TlsEndpointVerifier(null, timeout);
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        return new TlsEndpointVerifier(roots, timeout);
    }

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
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    rejection = Check(certificate as X509Certificate2, errors, targetHost, domain);
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

    private string? Check(X509Certificate2? certificate, SslPolicyErrors errors, string targetHost, string domain)
    {
        if (certificate is null)
        {
            return "the endpoint sent no certificate";
        }

        // The name is ours to check: the certificate may name the SRV target or the discovery domain (etcd's docs allow both).
        if (!certificate.MatchesHostname(targetHost) && !certificate.MatchesHostname(domain))
        {
            return $"certificate ({certificate.Subject}) is not valid for {targetHost} or {domain}";
        }

        if (trustedRoots is null)
        {
            return errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) ? "certificate does not chain to a system root CA" : null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            return null;
        }

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"certificate ({certificate.Subject}) does not chain to --trusted-ca-file: {status}";
    }
}
