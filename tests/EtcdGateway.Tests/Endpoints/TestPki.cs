using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.Tests.Endpoints;

/// <summary>
/// Certificates made in the test, shaped as real PKIs issue them: a self-signed root, an intermediate CA it signed, and
/// server certificates the intermediate signed. All P-256 ECDSA, valid from an hour ago for a day.
/// </summary>
internal static class TestPki
{
    private static readonly Oid ServerAuth = Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage);
    private static readonly Oid ClientAuth = Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage);

    public static X509Certificate2 CreateRoot(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CaRequest(name, key, pathLength: 1);
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
    }

    public static X509Certificate2 CreateIntermediate(X509Certificate2 issuer, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CaRequest(name, key, pathLength: 0);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var certificate = request.Create(issuer, issuer.NotBefore, issuer.NotAfter, Serial());
        return certificate.CopyWithPrivateKey(key);
    }

    public static Oid ServerAuthentication => ServerAuth;

    public static Oid ClientAuthentication => ClientAuth;

    /// <summary>A certificate for <paramref name="dnsNames"/> and 127.0.0.1, with its private key, usable by a server and a client.</summary>
    public static X509Certificate2 CreateServer(X509Certificate2 issuer, params string[] dnsNames) => CreateLeaf(issuer, [ServerAuth, ClientAuth], dnsNames);

    /// <summary>A certificate for <paramref name="dnsNames"/> and 127.0.0.1 with only the extended key usages <paramref name="usages"/>.</summary>
    public static X509Certificate2 CreateLeaf(X509Certificate2 issuer, Oid[] usages, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsNames[0]}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dnsName in dnsNames)
        {
            names.AddDnsName(dnsName);
        }

        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var certificate = request.Create(issuer, issuer.NotBefore, issuer.NotAfter, Serial());
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificates (public parts only) to one PEM file, as a CA bundle or a chain file.</summary>
    public static string WritePem(string path, params X509Certificate2[] certificates)
    {
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    private static CertificateRequest CaRequest(string name, ECDsa key, int pathLength)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, pathLength, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request;
    }

    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return serial;
    }
}
