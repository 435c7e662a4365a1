namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A temporary directory of PEM certificates made at test time: certificate authorities and the server
/// certificates they issue, for TLS etcd members and the gateway's TLS checks. Disposing deletes the files.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly List<TestCertificateAuthority> _authorities = [];

    public TestCertificates() => DirectoryPath = Directory.CreateTempSubdirectory("etcd-gw-certs-").FullName;

    public string DirectoryPath { get; }

    /// <summary>Creates a self-signed CA named <paramref name="name"/> (also its file name) with its certificate written as PEM.</summary>
    public TestCertificateAuthority CreateAuthority(string name)
    {
        var authority = TestCertificateAuthority.Create(name, DirectoryPath);
        _authorities.Add(authority);
        return authority;
    }

    /// <summary>Creates an intermediate CA named <paramref name="name"/>, signed by the root <paramref name="issuer"/>.</summary>
    public TestCertificateAuthority CreateIntermediateAuthority(string name, TestCertificateAuthority issuer)
    {
        var authority = issuer.CreateIntermediate(name);
        _authorities.Add(authority);
        return authority;
    }

    public void Dispose()
    {
        foreach (var authority in _authorities)
        {
            authority.Dispose();
        }

        try
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
        catch (IOException)
        {
            // Leftover temp files are harmless and must not hide the test's own outcome.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
