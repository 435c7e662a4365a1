using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Grpc.Tls;

/// <summary>
/// What the proxy's TLS files to clients say, read together so one handshake never mixes a renewed file with a stale one:
/// the certificate (and intermediates) to present, whom clients' certificates must chain to, and which are revoked.
/// </summary>
internal sealed record ClientTlsFiles(SslStreamCertificateContext Certificate, PeerCertificateValidator? ClientTrust, CertificateRevocationList? Revoked)
{
    public static ClientTlsFiles Load(string certFile, string keyFile, string? trustedCaFile, string? crlFile)
    {
        PeerCertificateValidator? trust = null;
        SslCertificateTrust? advertised = null;
        if (trustedCaFile is not null)
        {
            trust = PeerCertificateValidator.Load(trustedCaFile, $"--{GrpcProxyFlags.TrustedCaFile} {trustedCaFile}");

            // The CAs of the file are named in the certificate request, as Go's server names its ClientCAs, so a client
            // with several certificates can choose, and one with none learns which CA is wanted.
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(trustedCaFile);
            advertised = SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true);
        }

        return new ClientTlsFiles(
            CertificateChainFile.Load(certFile, keyFile, advertised),
            trust,
            crlFile is null ? null : CertificateRevocationList.Load(crlFile));
    }
}
