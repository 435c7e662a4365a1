using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EtcdGateway.Grpc.Tls;

/// <summary>
/// The proxy's side of each TLS handshake with a client (<c>--cert-file</c>/<c>--key-file</c> or <c>--auto-tls</c>,
/// <c>--trusted-ca-file</c>, <c>--client-crl-file</c>, the version bounds and cipher suites), as Kestrel asks for it per
/// connection. With <c>--trusted-ca-file</c> a client must present a certificate that <see cref="PeerCertificateValidator"/>
/// accepts (client authentication, a chain to a CA of the file through the intermediates the client sends) and that the
/// revocation list does not name; anything else ends the handshake, with a warning naming the client and the reason.
/// ALPN offers h2 and http/1.1: gRPC clients get HTTP/2, curl and load balancers' <c>/health</c> HTTP/1.1, on one port.
/// </summary>
internal sealed class ClientTlsTerminator
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly FileBackedValue<ClientTlsFiles> _files;
    private readonly SslProtocols _protocols;
    private readonly CipherSuitesPolicy? _cipherSuites;
    private readonly JsonLogger _logger;

    /// <param name="certFile">The server certificate (with any intermediates after it): --cert-file or the auto-TLS one.</param>
    /// <param name="keyFile">Its key.</param>
    public ClientTlsTerminator(ClientTlsOptions options, string certFile, string keyFile, JsonLogger logger)
    {
        _logger = logger;
        _protocols = Protocols(options.MinVersion, options.MaxVersion);
        _cipherSuites = CipherSuites(options.CipherSuites, _protocols);
        string[] paths = [certFile, keyFile, .. new[] { options.TrustedCaFile, options.CrlFile }.OfType<string>()];
        _files = new FileBackedValue<ClientTlsFiles>(paths, () => ClientTlsFiles.Load(certFile, keyFile, options.TrustedCaFile, options.CrlFile), ReportUnreadable);
    }

    /// <summary>The certificate and intermediates clients are shown now: what the proxy presents when it is its own client.</summary>
    public SslStreamCertificateContext Certificate => _files.Current.Certificate;

    /// <summary>Whether <paramref name="certificate"/> is the one clients are shown now (the proxy checking its own port).</summary>
    public bool IsServing(X509Certificate? certificate) =>
        certificate is not null && certificate.GetCertHash().AsSpan().SequenceEqual(Certificate.TargetCertificate.GetCertHash());

    /// <summary>For <see cref="TlsHandshakeCallbackOptions.OnConnection"/>: this connection's options, from the files as they are now.</summary>
    public ValueTask<SslServerAuthenticationOptions> OnConnectionAsync(TlsHandshakeCallbackContext context)
    {
        var files = _files.Current;
        var client = context.Connection.RemoteEndPoint?.ToString();
        return ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = files.Certificate,
            ApplicationProtocols = Alpn,
            EnabledSslProtocols = _protocols,
            CipherSuitesPolicy = _cipherSuites,
            ClientCertificateRequired = files.ClientTrust is not null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = files.ClientTrust is null ? null : (_, certificate, chain, _) => Accepts(files, certificate, chain, client),
        });
    }

    /// <summary>
    /// The suites listed, or null for OpenSSL's own choice. Go's list is for TLS 1.2 only and TLS 1.3 always offers its
    /// three suites; .NET's policy covers both, so those three are added whenever TLS 1.3 is allowed.
    /// </summary>
    private static CipherSuitesPolicy? CipherSuites(IReadOnlyList<TlsCipherSuite> listed, SslProtocols protocols)
    {
        if (listed.Count == 0)
        {
            return null;
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("--listen-cipher-suites needs OpenSSL's TLS (Linux)");
        }

        return new CipherSuitesPolicy(protocols.HasFlag(SslProtocols.Tls13) ? [.. listed, .. GoCipherSuites.Tls13] : listed);
    }

    /// <summary>etcd's bounds: TLS1.2 or TLS1.3 at least, and at most the highest available unless a maximum is set.</summary>
    private static SslProtocols Protocols(SslProtocols min, SslProtocols max)
    {
        var all = SslProtocols.Tls12 | SslProtocols.Tls13;
        return all & (min == SslProtocols.Tls13 ? SslProtocols.Tls13 : all) & (max == SslProtocols.Tls12 ? SslProtocols.Tls12 : all);
    }

    private bool Accepts(ClientTlsFiles files, X509Certificate? certificate, X509Chain? chain, string? client)
    {
        var rejection = files.ClientTrust!.CheckClient(certificate, chain) ?? Revoked(files.Revoked, certificate, chain);
        if (rejection is not null)
        {
            _logger.Warn("rejected client certificate", [new("remote-addr", client), LogField.Error(rejection)]);
        }

        return rejection is null;
    }

    /// <summary>
    /// etcd refuses a client when the serial number of any certificate it sent is on the list; we look at those and at the
    /// chain that was built (so an intermediate the client left out, taken from the CA file, counts too).
    /// </summary>
    private static string? Revoked(CertificateRevocationList? list, X509Certificate? certificate, X509Chain? chain)
    {
        if (list is null || certificate is not X509Certificate2 leaf)
        {
            return null;
        }

        IEnumerable<X509Certificate2> presented = chain is null ? [leaf] : [leaf, .. chain.ChainPolicy.ExtraStore, .. chain.ChainElements.Select(e => e.Certificate)];
        var revoked = presented.FirstOrDefault(list.IsRevoked);
        return revoked is null ? null : $"certificate ({revoked.Subject}) serial {revoked.SerialNumber} is revoked by --{GrpcProxyFlags.ClientCrlFile}";
    }

    private void ReportUnreadable(Exception e) =>
        _logger.Warn("cannot read changed TLS files; keeping the ones read before", [LogField.Error(e.Message)]);
}
