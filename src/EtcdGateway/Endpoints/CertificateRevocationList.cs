using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EtcdGateway.Endpoints;

/// <summary>
/// The serial numbers a certificate revocation list file revokes (the proxy's <c>--client-crl-file</c>), read as etcd reads
/// it: a certificate is refused when its serial number is listed. The list's signature and issuer are not checked (the
/// file is the operator's own, as in etcd). The file may be DER, as etcd 3.5+ takes it, or PEM
/// (<c>-----BEGIN X509 CRL-----</c>, one or more), as etcd 3.4 and openssl's default output have it.
/// </summary>
internal sealed class CertificateRevocationList
{
    private readonly HashSet<string> _serials;

    private CertificateRevocationList(HashSet<string> serials) => _serials = serials;

    /// <summary>How many serial numbers the list revokes.</summary>
    public int Count => _serials.Count;

    /// <exception cref="CryptographicException">The file holds no revocation list, or a malformed one.</exception>
    public static CertificateRevocationList Load(string path) => Parse(File.ReadAllBytes(path));

    /// <exception cref="CryptographicException">No revocation list, or a malformed one.</exception>
    public static CertificateRevocationList Parse(byte[] content)
    {
        var serials = new HashSet<string>(StringComparer.Ordinal);
        if (content.Length > 0 && content[0] == 0x30)
        {
            ReadSerials(content, serials);
            return new CertificateRevocationList(serials);
        }

        var text = Encoding.ASCII.GetString(content).AsSpan();
        var found = false;
        while (PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual("X509 CRL"))
            {
                ReadSerials(Convert.FromBase64String(text[fields.Base64Data].ToString()), serials);
                found = true;
            }

            text = text[fields.Location.End..];
        }

        return found ? new CertificateRevocationList(serials) : throw new CryptographicException("no \"X509 CRL\" PEM block and not DER");
    }

    /// <summary>Whether <paramref name="certificate"/>'s serial number is on the list.</summary>
    public bool IsRevoked(X509Certificate2 certificate) => _serials.Contains(Normalize(certificate.SerialNumberBytes.Span));

    /// <summary>
    /// RFC 5280's CertificateList: the to-be-signed part holds an optional version, the signature algorithm, the issuer, this
    /// and the next update time, then the revoked certificates (each a serial number, a date and optional extensions).
    /// </summary>
    private static void ReadSerials(byte[] der, HashSet<string> serials)
    {
        try
        {
            var list = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            var signed = list.ReadSequence();
            if (signed.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                signed.ReadIntegerBytes();
            }

            signed.ReadSequence();
            signed.ReadSequence();
            ReadTime(signed);
            if (signed.HasData && IsTime(signed.PeekTag()))
            {
                ReadTime(signed);
            }

            if (!signed.HasData || !signed.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                return;
            }

            var revoked = signed.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                serials.Add(Normalize(entry.ReadIntegerBytes().Span));
            }
        }
        catch (AsnContentException e)
        {
            throw new CryptographicException($"malformed revocation list: {e.Message}", e);
        }
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static void ReadTime(AsnReader reader)
    {
        if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            reader.ReadUtcTime();
        }
        else
        {
            reader.ReadGeneralizedTime();
        }
    }

    /// <summary>A serial number as Go compares them: its magnitude's big-endian bytes without leading zeros, here in hex.</summary>
    private static string Normalize(ReadOnlySpan<byte> serial)
    {
        var start = 0;
        while (start < serial.Length - 1 && serial[start] == 0)
        {
            start++;
        }

        return Convert.ToHexString(serial[start..]);
    }
}
