using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Cli;
using EtcdGateway.Grpc.Tls;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Grpc.Tls;

/// <summary><c>--auto-tls</c> makes the certificate etcd's proxy makes, where etcd makes it, once.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SelfSignedCertificateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auto-tls-").FullName;
    private readonly MemoryStream _log = new();
    private readonly JsonLogger _logger;

    public SelfSignedCertificateTests() => _logger = new JsonLogger(_log, LogLevel.Info, TimeProvider.System);

    public void Dispose()
    {
        _logger.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Made_Under_Fixtures_Proxy_As_Etcd_Makes_It()
    {
        var (certFile, keyFile) = SelfSignedCertificate.Ensure(Path.Combine(_dir, "data"), "127.0.0.1", 2, TimeProvider.System, _logger);

        Assert.Equal(Path.Combine(_dir, "data", "fixtures", "proxy", "cert.pem"), certFile);
        Assert.Equal(Path.Combine(_dir, "data", "fixtures", "proxy", "key.pem"), keyFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        foreach (var directory in new[] { "data", "data/fixtures", "data/fixtures/proxy" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_dir, directory)));
        }

        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(keyFile), StringComparison.Ordinal);

        using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        Assert.Equal("O=etcd", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        using var key = certificate.GetECDsaPrivateKey()!;
        Assert.Equal(521, key.KeySize);
        Assert.True(certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(["1.3.6.1.5.5.7.3.1"], certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value));
        Assert.Equal([IPAddress.Loopback], certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
        var years = (certificate.NotAfter - certificate.NotBefore).TotalDays;
        Assert.InRange(years, 730 - 0.01, 730 + 0.01);
        Assert.Contains("automatically generate certificates", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_Host_Name_Goes_In_As_A_Dns_Name()
    {
        var (certFile, _) = SelfSignedCertificate.Ensure(_dir, "proxy.example.test", 1, TimeProvider.System, _logger);

        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certFile));
        Assert.Equal(["proxy.example.test"], certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
    }

    [Fact]
    public void An_Existing_Pair_Is_Used_As_It_Is()
    {
        var first = SelfSignedCertificate.Ensure(_dir, "127.0.0.1", 1, TimeProvider.System, _logger);
        var written = File.ReadAllText(first.CertFile);

        var second = SelfSignedCertificate.Ensure(_dir, "10.0.0.1", 5, TimeProvider.System, _logger);

        Assert.Equal(first, second);
        Assert.Equal(written, File.ReadAllText(second.CertFile));
    }

    [Fact]
    public void A_Data_Dir_That_Cannot_Be_Made_Is_Bad_Input_On_Data_Dir()
    {
        var blocker = Path.Combine(_dir, "a-file");
        File.WriteAllText(blocker, "");

        var error = Assert.Throws<UsageException>(() => SelfSignedCertificate.Ensure(blocker, "127.0.0.1", 1, TimeProvider.System, _logger));

        Assert.Equal(("data-dir", blocker), (error.Flag, error.Value));
    }

    private string Log()
    {
        _logger.Dispose();
        return System.Text.Encoding.UTF8.GetString(_log.ToArray());
    }
}
