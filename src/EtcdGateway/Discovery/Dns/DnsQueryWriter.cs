using System.Buffers.Binary;
using System.Text;

namespace EtcdGateway.Discovery.Dns;

/// <summary>Builds a standard query (RFC 1035 section 4.1): one question of class IN, recursion desired, optionally an EDNS0 OPT record.</summary>
internal static class DnsQueryWriter
{
    private const int HeaderLength = 12;
    private const ushort RecursionDesiredFlag = 0x0100;
    private const int OptRecordLength = 11;

    /// <summary>
    /// The query bytes. With <paramref name="udpPayloadSize"/>, an OPT record (RFC 6891) tells the server it may answer in
    /// UDP datagrams up to that size instead of 512 bytes, so SRV sets of several members rarely need the TCP retry.
    /// </summary>
    /// <exception cref="ArgumentException">The name fails <see cref="DnsName.TryValidate"/>.</exception>
    public static byte[] Write(ushort id, string name, DnsRecordType type, ushort? udpPayloadSize = null)
    {
        if (!DnsName.TryValidate(name, out var error))
        {
            throw new ArgumentException($"cannot query \"{name}\": {error}", nameof(name));
        }

        var labels = DnsName.Normalize(name).Split('.');
        var nameLength = labels.Sum(label => 1 + label.Length) + 1;
        var packet = new byte[HeaderLength + nameLength + 4 + (udpPayloadSize is null ? 0 : OptRecordLength)];
        var span = packet.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, id);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], RecursionDesiredFlag);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)(udpPayloadSize is null ? 0 : 1));

        var offset = HeaderLength;
        foreach (var label in labels)
        {
            span[offset++] = (byte)label.Length;
            offset += Encoding.ASCII.GetBytes(label, span[offset..]);
        }

        span[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 2)..], DnsQuestion.InternetClass);
        offset += 4;

        if (udpPayloadSize is { } size)
        {
            // Root owner name, type OPT, the payload size in the class field; TTL (extended RCODE, version, flags) and RDLENGTH zero.
            span[offset] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 1)..], (ushort)DnsRecordType.OPT);
            BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 3)..], size);
        }

        return packet;
    }
}
