using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Grpc.Tls;

/// <summary>
/// <c>--auto-tls</c>: the certificate etcd's proxy makes for itself, where it makes it. Under
/// <c>DATA-DIR/fixtures/proxy</c>, <c>cert.pem</c> and <c>key.pem</c> are used as they are when both exist; otherwise a
/// new self-signed one is written there: ECDSA P-521, organisation "etcd", a CA certificate for server authentication,
/// naming <c>--listen-addr</c>'s host (as an IP address or a DNS name), valid from now for
/// <c>--self-signed-cert-validity</c> years of 365 days, the key in SEC 1 PEM readable by its owner only. Clients cannot
/// verify it; they must skip verification (etcdctl's <c>--insecure-skip-tls-verify</c>), as with etcd.
/// </summary>
internal static class SelfSignedCertificate
{
    private static readonly Oid ServerAuthentication = Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage);

    /// <summary>The certificate and key files, made first if need be.</summary>
    /// <exception cref="UsageException">The directory or the files cannot be made (a usage error naming <c>--data-dir</c>).</exception>
    public static (string CertFile, string KeyFile) Ensure(string dataDir, string listenHost, int validityYears, TimeProvider time, JsonLogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("--auto-tls writes its key with Unix permissions (Linux)");
        }

        var directory = Path.GetFullPath(Path.Combine(dataDir, "fixtures", "proxy"));
        var certFile = Path.Combine(directory, "cert.pem");
        var keyFile = Path.Combine(directory, "key.pem");
        try
        {
            CreatePrivateDirectories(directory);
            if (File.Exists(certFile) && File.Exists(keyFile))
            {
                using var existing = X509Certificate2.CreateFromPemFile(certFile, keyFile);
                logger.Info("using the certificate made by an earlier --auto-tls", [new("path", certFile), new("not-after", Timestamp(existing.NotAfter.ToUniversalTime()))]);
                return (certFile, keyFile);
            }

            Create(certFile, keyFile, listenHost, validityYears, time, logger);
            return (certFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.DataDir, dataDir, $"cannot make or read the --auto-tls certificate in {directory}: {e.Message}");
        }
    }

    /// <summary>Every directory that does not exist yet, from the top, readable by the owner only (as Go's MkdirAll with 0700).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void CreatePrivateDirectories(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (Path.GetDirectoryName(directory) is { Length: > 0 } parent)
        {
            CreatePrivateDirectories(parent);
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Create(string certFile, string keyFile, string listenHost, int validityYears, TimeProvider time, JsonLogger logger)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        var request = new CertificateRequest(Organisation("etcd"), key, HashAlgorithmName.SHA512);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuthentication], critical: false));
        if (listenHost.Length > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            if (EndpointAddress.TryParseIPLiteral(listenHost, out var ip))
            {
                names.AddIpAddress(ip!);
            }
            else
            {
                names.AddDnsName(listenHost);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var now = time.GetUtcNow();
        var notAfter = now + TimeSpan.FromDays(365.0 * validityYears);
        logger.Warn("automatically generate certificates", [new("certificate-validity-bound-not-after", Timestamp(notAfter.UtcDateTime))]);
        using var certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now, notAfter, SerialNumber());
        File.WriteAllText(certFile, certificate.ExportCertificatePem() + "\n");
        logger.Info("created cert file", [new("path", certFile)]);

        // Created with its final mode, so the key is never readable by others, not even for a moment.
        using (var stream = new FileStream(keyFile, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(key.ExportECPrivateKeyPem() + "\n");
        }

        logger.Info("created key file", [new("path", keyFile)]);
    }

    private static string Timestamp(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A subject of the organisation alone, as Go's <c>pkix.Name{Organization: ...}</c> writes it.</summary>
    private static X500DistinguishedName Organisation(string organisation)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddOrganizationName(organisation);
        return builder.Build();
    }

    /// <summary>A random positive serial number below 2^128, as etcd draws it.</summary>
    private static byte[] SerialNumber()
    {
        var value = new BigInteger(RandomNumberGenerator.GetBytes(16), isUnsigned: true, isBigEndian: true);
        return value.IsZero ? [1] : value.ToByteArray(isUnsigned: false, isBigEndian: true);
    }
}
