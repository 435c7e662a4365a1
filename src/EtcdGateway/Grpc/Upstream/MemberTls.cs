using System.Net.Security;
using System.Security.Authentication;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// TLS on the proxy's connections to TLS members (<c>--cert</c>, <c>--key</c>, <c>--cacert</c>,
/// <c>--insecure-skip-tls-verify</c>): the member's certificate is checked by <see cref="PeerCertificateValidator"/>
/// against <c>--cacert</c> (the system roots without it) with the intermediates the member sends, for the member's host
/// name (or the discovery domain, for SRV targets); our certificate, with the intermediates in its file, is sent when a
/// member asks. Both files are read again when they change. A handshake that fails or takes longer than
/// <c>--dial-timeout</c> is a <see cref="DialException"/>: the call never reached the member and may go to another, and
/// the member leaves rotation with the reason in the log.
/// </summary>
internal sealed class MemberTls
{
    private readonly FileBackedValue<PeerCertificateValidator>? _trust;
    private readonly FileBackedValue<SslStreamCertificateContext>? _certificate;
    private readonly ClusterTlsOptions _options;
    private readonly TimeProvider _time;

    public MemberTls(ClusterTlsOptions options, JsonLogger logger, TimeProvider time)
    {
        _options = options;
        _time = time;
        if (options.IsConfigured)
        {
            logger.Info("gRPC proxy client TLS", [
                new("cert", options.CertFile), new("key", options.KeyFile), new("cacert", options.CaFile), new("insecure-skip-tls-verify", options.InsecureSkipVerify)]);
        }

        if (options.InsecureSkipVerify)
        {
            // etcd's warning, in etcd's words.
            logger.Warn("--insecure-skip-tls-verify was given, this grpc proxy process skips authentication of etcd server TLS certificates. This option should be enabled only for testing purposes.");
        }
        else if (options.CaFile is { } ca)
        {
            _trust = new FileBackedValue<PeerCertificateValidator>(
                [ca], () => PeerCertificateValidator.Load(ca, $"--cacert {ca}"), e => ReportUnreadable(logger, GrpcProxyFlags.CaCert, ca, e));
        }

        if (options.CertFile is { } cert && options.KeyFile is { } key)
        {
            _certificate = new FileBackedValue<SslStreamCertificateContext>(
                [cert, key], () => CertificateChainFile.Load(cert, key), e => ReportUnreadable(logger, GrpcProxyFlags.Cert, cert, e));
        }
    }

    /// <summary>The TLS stream over <paramref name="connection"/> to <paramref name="endpoint"/>, speaking HTTP/2 (ALPN h2).</summary>
    /// <exception cref="DialException">The handshake failed, the member's certificate was refused, or it took too long.</exception>
    public async Task<Stream> AuthenticateAsync(Stream connection, Endpoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var validator = _options.InsecureSkipVerify ? PeerCertificateValidator.AcceptAny : _trust?.Current ?? PeerCertificateValidator.SystemRoots;
        string[] names = _options.AlternativeCertificateName is { } alternative ? [endpoint.Address.Host, alternative] : [endpoint.Address.Host];
        string? rejection = null;
        var tls = new SslStream(connection, leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Address.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http2],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                ClientCertificateContext = _certificate?.Current,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    rejection = validator.Check(certificate, chain, names);
                    return rejection is null;
                },
            }, linked.Token);
            return tls;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await tls.DisposeAsync();
            throw new DialException($"tls: handshake with {endpoint.Address} timed out after {GoDuration.Format(timeout)}", DialFault.Endpoint);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await tls.DisposeAsync();
            var reason = rejection ?? $"handshake with {endpoint.Address} failed: {Innermost(e).Message}";
            throw new DialException($"tls: {reason}", DialFault.Endpoint, e);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    private static void ReportUnreadable(JsonLogger logger, string flag, string path, Exception e) =>
        logger.Warn("cannot read a changed TLS file; keeping the one read before", [new("flag", flag), new("path", path), LogField.Error(e.Message)]);

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
