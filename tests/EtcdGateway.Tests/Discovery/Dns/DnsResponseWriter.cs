using System.Buffers.Binary;
using System.Net;
using System.Text;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

/// <summary>Writes DNS responses for tests, with names uncompressed (hand-written bytes cover compression).</summary>
internal static class DnsResponseWriter
{
    /// <summary>A reply to <paramref name="query"/>: its id and question, QR, RD and RA set.</summary>
    public static byte[] Reply(DnsMessage query, params DnsRecord[] answers) => Reply(query, DnsResponseCode.NoError, answers);

    public static byte[] Reply(DnsMessage query, DnsResponseCode code, params DnsRecord[] answers) =>
        Write(ReplyHeader(query, code), query.Questions, answers);

    public static byte[] TruncatedReply(DnsMessage query) =>
        Write(ReplyHeader(query, DnsResponseCode.NoError) with { Truncated = true }, query.Questions, []);

    public static DnsHeader ReplyHeader(DnsMessage query, DnsResponseCode code) =>
        new(query.Header.Id, IsResponse: true, Opcode: 0, AuthoritativeAnswer: false, Truncated: false, RecursionDesired: true, RecursionAvailable: true, code);

    public static DnsRecord A(string name, string address, uint ttl = 300) =>
        new(name, DnsRecordType.A, DnsQuestion.InternetClass, ttl, new DnsAddressData(IPAddress.Parse(address)));

    public static DnsRecord Aaaa(string name, string address, uint ttl = 300) =>
        new(name, DnsRecordType.AAAA, DnsQuestion.InternetClass, ttl, new DnsAddressData(IPAddress.Parse(address)));

    public static DnsRecord Cname(string name, string target, uint ttl = 300) =>
        new(name, DnsRecordType.CNAME, DnsQuestion.InternetClass, ttl, new DnsCanonicalNameData(target));

    public static DnsRecord Srv(string name, ushort priority, ushort weight, ushort port, string target, uint ttl = 300) =>
        new(name, DnsRecordType.SRV, DnsQuestion.InternetClass, ttl, new DnsSrvData(priority, weight, port, target));

    public static byte[] Write(DnsHeader header, IEnumerable<DnsQuestion> questions, IEnumerable<DnsRecord> answers, IEnumerable<DnsRecord>? additionals = null)
    {
        var questionList = questions.ToList();
        var answerList = answers.ToList();
        var additionalList = additionals?.ToList() ?? [];
        var bytes = new List<byte>();
        AddUInt16(bytes, header.Id);
        AddUInt16(bytes, (ushort)(
            (header.IsResponse ? 0x8000 : 0) | (header.Opcode << 11) | (header.AuthoritativeAnswer ? 0x0400 : 0)
            | (header.Truncated ? 0x0200 : 0) | (header.RecursionDesired ? 0x0100 : 0) | (header.RecursionAvailable ? 0x0080 : 0)
            | (int)header.ResponseCode));
        AddUInt16(bytes, (ushort)questionList.Count);
        AddUInt16(bytes, (ushort)answerList.Count);
        AddUInt16(bytes, 0);
        AddUInt16(bytes, (ushort)additionalList.Count);
        foreach (var question in questionList)
        {
            bytes.AddRange(Name(question.Name));
            AddUInt16(bytes, (ushort)question.Type);
            AddUInt16(bytes, question.Class);
        }

        foreach (var record in answerList.Concat(additionalList))
        {
            bytes.AddRange(Name(record.Name));
            AddUInt16(bytes, (ushort)record.Type);
            AddUInt16(bytes, record.Class);
            AddUInt16(bytes, (ushort)(record.TimeToLive >> 16));
            AddUInt16(bytes, (ushort)record.TimeToLive);
            var data = Data(record.Data);
            AddUInt16(bytes, (ushort)data.Length);
            bytes.AddRange(data);
        }

        return [.. bytes];
    }

    /// <summary>A name in wire form, uncompressed.</summary>
    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in DnsName.Normalize(name).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static byte[] Data(DnsRecordData data) => data switch
    {
        DnsAddressData address => address.Address.GetAddressBytes(),
        DnsCanonicalNameData alias => Name(alias.Target),
        DnsSrvData srv => [(byte)(srv.Priority >> 8), (byte)srv.Priority, (byte)(srv.Weight >> 8), (byte)srv.Weight, (byte)(srv.Port >> 8), (byte)srv.Port, .. Name(srv.Target)],
        DnsOpaqueData opaque => opaque.Bytes,
        _ => throw new ArgumentException("unknown record data", nameof(data)),
    };

    private static void AddUInt16(List<byte> bytes, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer, value);
        bytes.AddRange(buffer);
    }
}
