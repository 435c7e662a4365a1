using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;

namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// Reads a DNS message off the wire. The bytes come from the network, so every length, count and compression pointer is
/// checked before it is used: a bad message is a <see cref="DnsFormatException"/>, never a crash, a loop, or an
/// allocation sized by a number the sender chose.
/// </summary>
internal static class DnsMessageReader
{
    private const int HeaderLength = 12;

    // The smallest question is the root name (1 byte), type and class; the smallest record adds a TTL and an RDLENGTH.
    private const int MinQuestionLength = 5;
    private const int MinRecordLength = 11;

    // Pointers must point strictly backwards, so they cannot loop; this also bounds chains of pointer to pointer.
    // Real answers use one or two (Go's resolver allows 10).
    private const int MaxPointerJumps = 16;

    public static bool TryParse(ReadOnlySpan<byte> packet, [NotNullWhen(true)] out DnsMessage? message, out string error)
    {
        try
        {
            message = Parse(packet);
            error = "";
            return true;
        }
        catch (DnsFormatException e)
        {
            message = null;
            error = e.Message;
            return false;
        }
    }

    /// <exception cref="DnsFormatException">The bytes are not a well-formed DNS message.</exception>
    public static DnsMessage Parse(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderLength)
        {
            throw new DnsFormatException($"message of {packet.Length} bytes is shorter than the {HeaderLength}-byte header");
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        var header = new DnsHeader(
            Id: BinaryPrimitives.ReadUInt16BigEndian(packet),
            IsResponse: (flags & 0x8000) != 0,
            Opcode: (byte)((flags >> 11) & 0xF),
            AuthoritativeAnswer: (flags & 0x0400) != 0,
            Truncated: (flags & 0x0200) != 0,
            RecursionDesired: (flags & 0x0100) != 0,
            RecursionAvailable: (flags & 0x0080) != 0,
            ResponseCode: (DnsResponseCode)(flags & 0xF));

        int questionCount = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        int answerCount = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        int authorityCount = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        int additionalCount = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);
        var needed = HeaderLength + (questionCount * MinQuestionLength) + ((answerCount + authorityCount + additionalCount) * MinRecordLength);
        if (needed > packet.Length)
        {
            throw new DnsFormatException(
                $"section counts ({questionCount} questions, {answerCount + authorityCount + additionalCount} records) " +
                $"need at least {needed} bytes, the message has {packet.Length}");
        }

        var offset = HeaderLength;
        var questions = new List<DnsQuestion>();
        for (var i = 0; i < questionCount; i++)
        {
            var name = ReadName(packet, ref offset);
            var type = (DnsRecordType)ReadUInt16(packet, ref offset, "question type");
            questions.Add(new DnsQuestion(name, type, ReadUInt16(packet, ref offset, "question class")));
        }

        var answers = ReadRecords(packet, ref offset, answerCount);
        var authorities = ReadRecords(packet, ref offset, authorityCount);
        var additionals = ReadRecords(packet, ref offset, additionalCount);
        return new DnsMessage(header, questions, answers, authorities, additionals);
    }

    private static List<DnsRecord> ReadRecords(ReadOnlySpan<byte> packet, ref int offset, int count)
    {
        // Grown as records are read, not sized by the count: the count was checked against the length, but only roughly.
        var records = new List<DnsRecord>();
        for (var i = 0; i < count; i++)
        {
            records.Add(ReadRecord(packet, ref offset));
        }

        return records;
    }

    private static DnsRecord ReadRecord(ReadOnlySpan<byte> packet, ref int offset)
    {
        var name = ReadName(packet, ref offset);
        var type = (DnsRecordType)ReadUInt16(packet, ref offset, "record type");
        var recordClass = ReadUInt16(packet, ref offset, "record class");
        var ttl = ReadUInt32(packet, ref offset, "record TTL");
        var dataLength = ReadUInt16(packet, ref offset, "record RDLENGTH");
        var start = offset;
        var end = start + dataLength;
        if (end > packet.Length)
        {
            throw new DnsFormatException(
                $"{type} record for \"{name}\" says {dataLength} bytes of data at byte {start}, past the end of the {packet.Length}-byte message");
        }

        offset = end;
        DnsRecordData data = type switch
        {
            DnsRecordType.A => ReadAddress(packet[start..end], 4, type),
            DnsRecordType.AAAA => ReadAddress(packet[start..end], 16, type),
            DnsRecordType.CNAME => new DnsCanonicalNameData(ReadNameFilling(packet, start, end, type)),
            DnsRecordType.SRV => ReadSrv(packet, start, end),
            _ => new DnsOpaqueData(packet[start..end].ToArray()),
        };

        // RFC 2181 section 8: a TTL with the top bit set is to be read as zero.
        return new DnsRecord(name, type, recordClass, ttl > int.MaxValue ? 0 : ttl, data);
    }

    private static DnsAddressData ReadAddress(ReadOnlySpan<byte> data, int length, DnsRecordType type) =>
        data.Length == length
            ? new DnsAddressData(new IPAddress(data))
            : throw new DnsFormatException($"{type} record has {data.Length} bytes of data, not {length}");

    private static DnsSrvData ReadSrv(ReadOnlySpan<byte> packet, int start, int end)
    {
        // Priority, weight and port, then at least the root name.
        if (end - start < 7)
        {
            throw new DnsFormatException($"SRV record has {end - start} bytes of data, fewer than 7");
        }

        var priority = BinaryPrimitives.ReadUInt16BigEndian(packet[start..]);
        var weight = BinaryPrimitives.ReadUInt16BigEndian(packet[(start + 2)..]);
        var port = BinaryPrimitives.ReadUInt16BigEndian(packet[(start + 4)..]);
        return new DnsSrvData(priority, weight, port, ReadNameFilling(packet, start + 6, end, DnsRecordType.SRV));
    }

    /// <summary>A name that must end exactly where the record's data ends (it may still point back into the message).</summary>
    private static string ReadNameFilling(ReadOnlySpan<byte> packet, int start, int end, DnsRecordType type)
    {
        var offset = start;
        var name = ReadName(packet, ref offset);
        return offset == end
            ? name
            : throw new DnsFormatException($"{type} record's name ends at byte {offset}, but its data ends at byte {end}");
    }

    /// <summary>
    /// Reads a possibly compressed name (RFC 1035 section 4.1.4) starting at <paramref name="offset"/> and moves the offset
    /// past it: past the final zero byte, or past the first pointer.
    /// </summary>
    private static string ReadName(ReadOnlySpan<byte> packet, ref int offset)
    {
        var name = new StringBuilder();
        var position = offset;

        // A pointer must land before the bytes read since the last jump, so each jump goes strictly backwards.
        var segmentStart = offset;
        var encodedLength = 1;
        var jumps = 0;
        while (true)
        {
            var length = position < packet.Length
                ? packet[position]
                : throw new DnsFormatException($"name at byte {offset} runs past the end of the message");
            if (length == 0)
            {
                if (jumps == 0)
                {
                    offset = position + 1;
                }

                return name.ToString();
            }

            if ((length & 0xC0) == 0xC0)
            {
                var target = ReadPointer(packet, position, segmentStart);
                if (++jumps > MaxPointerJumps)
                {
                    throw new DnsFormatException($"name at byte {offset} follows more than {MaxPointerJumps} compression pointers");
                }

                if (jumps == 1)
                {
                    offset = position + 2;
                }

                position = segmentStart = target;
                continue;
            }

            if ((length & 0xC0) != 0)
            {
                throw new DnsFormatException($"label type 0x{length & 0xC0:x2} at byte {position} is not supported");
            }

            encodedLength += 1 + length;
            if (encodedLength > DnsName.MaxEncodedLength)
            {
                throw new DnsFormatException($"name at byte {offset} is longer than {DnsName.MaxEncodedLength} bytes");
            }

            AppendLabel(name, packet, position);
            position += 1 + length;
        }
    }

    private static int ReadPointer(ReadOnlySpan<byte> packet, int position, int segmentStart)
    {
        if (position + 1 >= packet.Length)
        {
            throw new DnsFormatException($"compression pointer at byte {position} is cut off");
        }

        var target = ((packet[position] & 0x3F) << 8) | packet[position + 1];
        return target < segmentStart
            ? target
            : throw new DnsFormatException($"compression pointer at byte {position} points to byte {target}, not back before byte {segmentStart}");
    }

    /// <summary>Appends the label whose length byte is at <paramref name="position"/>, dot-separated from the labels before it.</summary>
    private static void AppendLabel(StringBuilder name, ReadOnlySpan<byte> packet, int position)
    {
        var length = packet[position];
        if (position + 1 + length > packet.Length)
        {
            throw new DnsFormatException($"label at byte {position} runs past the end of the message");
        }

        if (name.Length > 0)
        {
            name.Append('.');
        }

        foreach (var b in packet.Slice(position + 1, length))
        {
            if (b is >= (byte)'!' and <= (byte)'~' and not (byte)'.' and not (byte)'\\')
            {
                name.Append((char)b);
            }
            else
            {
                name.Append('\\').Append(b.ToString("D3", CultureInfo.InvariantCulture));
            }
        }
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> packet, ref int offset, string field)
    {
        if (offset + 2 > packet.Length)
        {
            throw new DnsFormatException($"{field} at byte {offset} runs past the end of the message");
        }

        var value = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
        offset += 2;
        return value;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> packet, ref int offset, string field)
    {
        if (offset + 4 > packet.Length)
        {
            throw new DnsFormatException($"{field} at byte {offset} runs past the end of the message");
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(packet[offset..]);
        offset += 4;
        return value;
    }
}
