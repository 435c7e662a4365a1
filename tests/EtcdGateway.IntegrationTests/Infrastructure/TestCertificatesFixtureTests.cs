using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Checks, with openssl as an independent judge, that the test certificates are what TLS tests assume.</summary>
public sealed class TestCertificatesFixtureTests
{
    [Fact]
    public async Task Issued_certificate_verifies_against_its_own_ca_and_not_an_unrelated_one()
    {
        using var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("right-ca");
        var unrelated = certificates.CreateAuthority("wrong-ca");

        var leaf = authority.IssueServerCertificate(["localhost"], [IPAddress.Loopback]);

        var verified = await RunOpenSslAsync("verify", "-CAfile", authority.CertificatePath, leaf.CertificatePath);
        Assert.True(verified.Succeeded, verified.ToString());
        var rejected = await RunOpenSslAsync("verify", "-CAfile", unrelated.CertificatePath, leaf.CertificatePath);
        Assert.False(rejected.Succeeded, rejected.ToString());

        using var presented = X509CertificateLoader.LoadCertificateFromFile(leaf.CertificatePath);
        Assert.True(authority.Trusts(presented));
        Assert.False(unrelated.Trusts(presented));
    }

    [Fact]
    public async Task Issued_certificate_names_its_hosts_serves_both_ends_and_matches_its_pkcs8_key()
    {
        using var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("right-ca");

        var leaf = authority.IssueServerCertificate(["m0.example.test", "localhost"], [IPAddress.Loopback, IPAddress.IPv6Loopback]);

        var extensions = await RunOpenSslAsync("x509", "-in", leaf.CertificatePath, "-noout", "-ext", "subjectAltName,extendedKeyUsage");
        Assert.True(extensions.Succeeded, extensions.ToString());
        Assert.Contains("DNS:m0.example.test, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1", extensions.StdOut, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication, TLS Web Client Authentication", extensions.StdOut, StringComparison.Ordinal);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(leaf.KeyPath), StringComparison.Ordinal);
        var publicFromCertificate = await RunOpenSslAsync("x509", "-in", leaf.CertificatePath, "-noout", "-pubkey");
        var publicFromKey = await RunOpenSslAsync("pkey", "-in", leaf.KeyPath, "-pubout");
        Assert.True(publicFromKey.Succeeded, publicFromKey.ToString());
        Assert.Equal(publicFromCertificate.StdOut, publicFromKey.StdOut);
    }

    [Fact]
    public async Task Intermediate_issued_chain_file_verifies_against_the_root_only_with_its_intermediate()
    {
        using var certificates = new TestCertificates();
        var root = certificates.CreateAuthority("pki-root");
        var intermediate = certificates.CreateIntermediateAuthority("pki-intermediate", root);

        var chain = intermediate.IssueServerCertificate(["localhost"], [IPAddress.Loopback]);
        var leafOnly = intermediate.IssueServerCertificate(["localhost"], [IPAddress.Loopback], withIntermediates: false);

        // openssl verifies the first certificate of the file; -untrusted offers the rest as intermediates, as a TLS peer sends them.
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(chain.CertificatePath);
        Assert.Equal(["CN=localhost", "CN=pki-intermediate"], bundle.Select(c => c.Subject));
        var verified = await RunOpenSslAsync("verify", "-CAfile", root.CertificatePath, "-untrusted", chain.CertificatePath, chain.CertificatePath);
        Assert.True(verified.Succeeded, verified.ToString());
        var withoutIntermediate = await RunOpenSslAsync("verify", "-CAfile", root.CertificatePath, leafOnly.CertificatePath);
        Assert.False(withoutIntermediate.Succeeded, withoutIntermediate.ToString());
        Assert.Same(root, intermediate.Root);
        Assert.True(intermediate.Trusts(bundle[0]));
    }

    [Fact]
    public void Disposing_deletes_every_file()
    {
        var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("right-ca");
        var leaf = authority.IssueServerCertificate(["localhost"], []);
        Assert.True(File.Exists(leaf.KeyPath));

        certificates.Dispose();

        Assert.False(Directory.Exists(certificates.DirectoryPath));
    }

    private static async Task<CommandResult> RunOpenSslAsync(params string[] args)
    {
        var startInfo = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
