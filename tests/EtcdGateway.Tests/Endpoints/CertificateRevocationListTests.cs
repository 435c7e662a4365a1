using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

/// <summary>The proxy's <c>--client-crl-file</c>: the serial numbers it revokes, from DER or PEM, compared as Go compares them.</summary>
public sealed class CertificateRevocationListTests : IDisposable
{
    private readonly X509Certificate2 _root = TestPki.CreateRoot("crl-root");
    private readonly X509Certificate2 _revoked;
    private readonly X509Certificate2 _kept;

    public CertificateRevocationListTests()
    {
        _revoked = TestPki.CreateServer(_root, "revoked.example.test");
        _kept = TestPki.CreateServer(_root, "kept.example.test");
    }

    public void Dispose()
    {
        _revoked.Dispose();
        _kept.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void Der_Revokes_The_Listed_Serial_And_No_Other()
    {
        var list = CertificateRevocationList.Parse(Build(_revoked.SerialNumberBytes.ToArray()));

        Assert.Equal(1, list.Count);
        Assert.True(list.IsRevoked(_revoked));
        Assert.False(list.IsRevoked(_kept));
    }

    [Fact]
    public void Pem_Blocks_Are_All_Read()
    {
        var pem = PemEncoding.WriteString("X509 CRL", Build(_revoked.SerialNumberBytes.ToArray())) + "\n"
            + PemEncoding.WriteString("X509 CRL", Build(_kept.SerialNumberBytes.ToArray())) + "\n";

        var list = CertificateRevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(pem));

        Assert.Equal(2, list.Count);
        Assert.True(list.IsRevoked(_revoked));
        Assert.True(list.IsRevoked(_kept));
    }

    [Fact]
    public void An_Empty_List_Revokes_Nothing()
    {
        var list = CertificateRevocationList.Parse(Build());

        Assert.Equal(0, list.Count);
        Assert.False(list.IsRevoked(_revoked));
    }

    [Fact]
    public void A_Serial_Written_With_A_Leading_Zero_Is_The_Same_Serial()
    {
        // DER writes a serial whose first byte is 0x80 or more with a 0x00 in front; Go compares magnitudes.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=high-bit", key, HashAlgorithmName.SHA256);
        using var highBit = request.Create(_root, _root.NotBefore, _root.NotAfter, [0x00, 0x9a, 0x01]);
        Assert.Equal([0x00, 0x9a, 0x01], highBit.SerialNumberBytes.ToArray());

        Assert.True(CertificateRevocationList.Parse(Build([0x00, 0x9a, 0x01])).IsRevoked(highBit));
    }

    [Theory]
    [InlineData("not a list")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void Anything_Else_Is_Refused(string content) =>
        Assert.Throws<CryptographicException>(() => CertificateRevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(content)));

    [Fact]
    public void A_Truncated_List_Is_Refused()
    {
        var der = Build(_revoked.SerialNumberBytes.ToArray());
        Assert.Throws<CryptographicException>(() => CertificateRevocationList.Parse(der[..(der.Length / 2)]));
    }

    private byte[] Build(params byte[][] serials)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var serial in serials)
        {
            builder.AddEntry(serial, DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        return builder.Build(_root, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256);
    }
}
