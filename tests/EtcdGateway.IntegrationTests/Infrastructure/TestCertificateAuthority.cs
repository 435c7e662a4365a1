using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A test certificate authority, a self-signed root or an intermediate CA a root signed: issues server certificates and
/// decides whether a presented certificate chains to it.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    // Clocks of the test process and of etcd may disagree slightly; an hour either side leaves no doubt.
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);
    private static readonly Oid ServerAuthentication = Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage);
    private static readonly Oid ClientAuthentication = Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage);

    private readonly string _directory;
    private int _issued;

    private TestCertificateAuthority(string name, string directory, X509Certificate2 certificate, TestCertificateAuthority? issuer = null)
    {
        Name = name;
        _directory = directory;
        Certificate = certificate;
        Issuer = issuer;
        CertificatePath = Path.Combine(directory, $"{name}.crt");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
    }

    public string Name { get; }

    /// <summary>The CA certificate as PEM, for etcdctl's <c>--cacert</c> or the gateway's trusted CA file.</summary>
    public string CertificatePath { get; }

    /// <summary>The CA certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA that signed this one when it is an intermediate; null for a root.</summary>
    public TestCertificateAuthority? Issuer { get; }

    /// <summary>The self-signed CA at the top: this one, or its issuer's root. Its file is what a client that trusts roots only holds.</summary>
    public TestCertificateAuthority Root => Issuer?.Root ?? this;

    /// <summary>
    /// Issues a P-256 ECDSA certificate for <paramref name="dnsNames"/> and <paramref name="ips"/> (its subject alternative
    /// names), usable by a server and a client, valid from an hour ago for a day. The key is written as PKCS#8 PEM. When this
    /// CA is an intermediate, the certificate file holds the leaf followed by the intermediates up to (not including) the
    /// root, as a PKI hands it out and etcd's <c>--cert-file</c> sends it; <paramref name="withIntermediates"/> false leaves
    /// them out, for a member that fails to send them.
    /// </summary>
    public IssuedCertificate IssueServerCertificate(string[] dnsNames, IPAddress[] ips, bool withIntermediates = true)
    {
        var subjectName = dnsNames.FirstOrDefault() ?? ips.FirstOrDefault()?.ToString() ?? "leaf";
        return Issue($"CN={subjectName}", dnsNames, ips, [ServerAuthentication, ClientAuthentication], withIntermediates);
    }

    /// <summary>
    /// Issues a certificate for client authentication only, with <paramref name="commonName"/> as its subject's CN, or with
    /// no CN at all when it is null (as etcd requires of its proxy's <c>--cert</c>), followed by the intermediates in its
    /// file like <see cref="IssueServerCertificate"/>'s.
    /// </summary>
    public IssuedCertificate IssueClientCertificate(string? commonName) =>
        Issue(commonName is null ? "O=etcd-gateway-tests" : $"CN={commonName}", [], [], [ClientAuthentication], withIntermediates: true);

    /// <summary>
    /// Writes a certificate revocation list (PEM) signed by this CA that revokes <paramref name="revoked"/>, which this CA
    /// issued; returns its path.
    /// </summary>
    public string WriteRevocationList(params IssuedCertificate[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            using var leaf = X509Certificate2.CreateFromPem(File.ReadAllText(certificate.CertificatePath));
            builder.AddEntry(leaf, DateTimeOffset.UtcNow - Backdate);
        }

        var path = Path.Combine(_directory, $"{Name}-crl{Interlocked.Increment(ref _issued)}.pem");
        var now = DateTimeOffset.UtcNow;
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", builder.Build(Certificate, System.Numerics.BigInteger.One, now + Lifetime, HashAlgorithmName.SHA256, thisUpdate: now - Backdate)) + "\n");
        return path;
    }

    private IssuedCertificate Issue(string subject, string[] dnsNames, IPAddress[] ips, Oid[] usages, bool withIntermediates)
    {
        var serial = Interlocked.Increment(ref _issued);
        var fileStem = Path.Combine(_directory, $"{Name}-leaf{serial}");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);

        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var dnsName in dnsNames)
        {
            alternativeNames.AddDnsName(dnsName);
        }

        foreach (var ip in ips)
        {
            alternativeNames.AddIpAddress(ip);
        }

        if (dnsNames.Length + ips.Length > 0)
        {
            request.CertificateExtensions.Add(alternativeNames.Build());
        }

        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        // A leaf may not outlive its issuer, and one issued some seconds after the CA would by a few seconds.
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + Lifetime;
        var issuerNotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var leaf = request.Create(Certificate, now - Backdate, notAfter < issuerNotAfter ? notAfter : issuerNotAfter, SerialNumber());
        var certificatePath = $"{fileStem}.crt";
        var keyPath = $"{fileStem}.key";
        File.WriteAllText(certificatePath, leaf.ExportCertificatePem() + "\n" + (withIntermediates ? IntermediatesPem() : ""));
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new IssuedCertificate(certificatePath, keyPath, this);
    }

    /// <summary>
    /// True when <paramref name="presented"/> chains to this CA (through it to its root, for an intermediate) alone,
    /// ignoring the machine's trusted roots. The host name is not checked here: fixtures deliberately serve certificates
    /// whose names do not match, or leave out their intermediate.
    /// </summary>
    public bool Trusts(X509Certificate2 presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Root.Certificate);
        for (var intermediate = this; intermediate.Issuer is not null; intermediate = intermediate.Issuer)
        {
            chain.ChainPolicy.ExtraStore.Add(intermediate.Certificate);
        }

        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(presented);
    }

    public void Dispose() => Certificate.Dispose();

    internal static TestCertificateAuthority Create(string name, string directory)
    {
        // A root may sign one level of intermediate CAs, which then sign leaves only.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CaRequest(name, key, pathLength: 1);
        var now = DateTimeOffset.UtcNow;
        return new TestCertificateAuthority(name, directory, request.CreateSelfSigned(now - Backdate, now + Lifetime));
    }

    /// <summary>An intermediate CA signed by this root, valid as long as the root.</summary>
    internal TestCertificateAuthority CreateIntermediate(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CaRequest(name, key, pathLength: 0);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notBefore = new DateTimeOffset(Certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        using var signed = request.Create(Certificate, notBefore, notAfter, SerialNumber());
        return new TestCertificateAuthority(name, _directory, signed.CopyWithPrivateKey(key), this);
    }

    private static CertificateRequest CaRequest(string name, ECDsa key, int pathLength)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: pathLength, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request;
    }

    /// <summary>This CA and the intermediates above it, as PEM; empty for a root.</summary>
    private string IntermediatesPem() => Issuer is null ? "" : Certificate.ExportCertificatePem() + "\n" + Issuer.IntermediatesPem();

    // Positive 16-byte serials, unique enough that no TLS stack sees two certificates with one issuer and serial.
    private static byte[] SerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return serial;
    }
}
