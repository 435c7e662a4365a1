using System.Net;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

public class DnsMessageReaderTests
{
    /// <summary>
    /// An SRV answer as a recursive server compresses it: both owners point to the question's name, each target is one
    /// label and a pointer to "example.test" inside the question, and the additional A record points to a target.
    /// </summary>
    internal static readonly byte[] CompressedSrvAnswer =
    [
        0x12, 0x34, 0x85, 0x80, 0, 1, 0, 2, 0, 0, 0, 1, // id 0x1234; QR AA RD RA; 1 question, 2 answers, 1 additional
        12, .. "_etcd-client"u8, 4, .. "_tcp"u8, 7, .. "example"u8, 4, .. "test"u8, 0, 0, 33, 0, 1, // 12: the question; "example" at 30
        0xC0, 12, 0, 33, 0, 1, 0, 0, 1, 44, 0, 11, 0, 0, 0, 10, 0x09, 0x4B, 2, .. "m1"u8, 0xC0, 30, // 48: TTL 300, 0 10 2379 m1; "m1" at 66
        0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, 11, 0, 1, 0, 5, 0x09, 0x4B, 2, .. "m2"u8, 0xC0, 30, // 71: TTL 60, 1 5 2379 m2
        0xC0, 66, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 127, 0, 0, 1, // 94: m1.example.test A 127.0.0.1
    ];

    [Fact]
    public void CompressedSrvAnswer_ReadsEveryField()
    {
        var message = DnsMessageReader.Parse(CompressedSrvAnswer);

        Assert.Equal(new DnsHeader(0x1234, IsResponse: true, Opcode: 0, AuthoritativeAnswer: true, Truncated: false, RecursionDesired: true, RecursionAvailable: true, DnsResponseCode.NoError), message.Header);
        Assert.Equal([new DnsQuestion("_etcd-client._tcp.example.test", DnsRecordType.SRV, 1)], message.Questions);
        Assert.Equal(
            [
                new DnsRecord("_etcd-client._tcp.example.test", DnsRecordType.SRV, 1, 300, new DnsSrvData(0, 10, 2379, "m1.example.test")),
                new DnsRecord("_etcd-client._tcp.example.test", DnsRecordType.SRV, 1, 60, new DnsSrvData(1, 5, 2379, "m2.example.test")),
            ],
            message.Answers);
        Assert.Empty(message.Authorities);
        Assert.Equal([new DnsRecord("m1.example.test", DnsRecordType.A, 1, 30, new DnsAddressData(IPAddress.Loopback))], message.Additionals);
    }

    [Fact]
    public void HeaderFlags_AreReadBitByBit()
    {
        // QR, opcode 2, TC, RCODE 3 (NXDOMAIN); AA, RD and RA clear.
        byte[] packet = [0xFF, 0xFE, 0b1001_0010, 0b0000_0011, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(
            new DnsHeader(0xFFFE, IsResponse: true, Opcode: 2, AuthoritativeAnswer: false, Truncated: true, RecursionDesired: false, RecursionAvailable: false, DnsResponseCode.NameError),
            DnsMessageReader.Parse(packet).Header);
    }

    [Fact]
    public void AaaaAndCnameRecords_AreTyped_AndOtherTypesKeptOpaque()
    {
        byte[] packet =
        [
            0, 1, 0x81, 0x80, 0, 0, 0, 3, 0, 0, 0, 0,
            3, .. "www"u8, 4, .. "test"u8, 0, 0, 5, 0, 1, 0, 0, 0, 9, 0, 5, 2, .. "m3"u8, 0xC0, 16, // 12: www.test CNAME m3.test; "m3" at 32
            0xC0, 32, 0, 28, 0, 1, 0, 0, 0, 7, 0, 16, 0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // 37: m3.test AAAA 2001:db8::1
            0xC0, 32, 0, 16, 0, 1, 0, 0, 0, 7, 0, 3, 2, .. "hi"u8, // 65: m3.test TXT "hi"
        ];
        var answers = DnsMessageReader.Parse(packet).Answers;

        Assert.Equal(new DnsRecord("www.test", DnsRecordType.CNAME, 1, 9, new DnsCanonicalNameData("m3.test")), answers[0]);
        Assert.Equal(new DnsRecord("m3.test", DnsRecordType.AAAA, 1, 7, new DnsAddressData(IPAddress.Parse("2001:db8::1"))), answers[1]);
        Assert.Equal(DnsRecordType.TXT, answers[2].Type);
        Assert.Equal([2, (byte)'h', (byte)'i'], Assert.IsType<DnsOpaqueData>(answers[2].Data).Bytes);
    }

    [Fact]
    public void LabelBytesThatAreNotPlainText_ReadAsEscapes_SoADotInALabelCannotForgeAName()
    {
        byte[] packet = [0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, (byte)'a', (byte)'.', (byte)'b', 0, (byte)'\\', 3, .. "com"u8, 0, 0, 1, 0, 1];
        Assert.Equal("a\\046b\\000\\092.com", DnsMessageReader.Parse(packet).Questions[0].Name);
    }

    [Fact]
    public void TtlWithTheTopBitSet_ReadsAsZero()
    {
        byte[] packet = [0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x80, 0, 0, 5, 0, 4, 10, 0, 0, 1];
        Assert.Equal(0u, DnsMessageReader.Parse(packet).Answers[0].TimeToLive);
    }

    [Fact]
    public void WrittenResponse_ReadsBackTheSameRecords()
    {
        var query = DnsMessageReader.Parse(DnsQueryWriter.Write(7, "etcd.example.test", DnsRecordType.A));
        DnsRecord[] answers =
        [
            DnsResponseWriter.Cname("etcd.example.test", "m1.example.test", ttl: 50),
            DnsResponseWriter.A("m1.example.test", "10.0.0.1"),
            DnsResponseWriter.Aaaa("m1.example.test", "fd00::1"),
            DnsResponseWriter.Srv("_etcd-server._tcp.example.test", 10, 20, 2380, "m1.example.test"),
        ];

        var message = DnsMessageReader.Parse(DnsResponseWriter.Reply(query, answers));

        Assert.Equal(query.Questions, message.Questions);
        Assert.Equal(answers, message.Answers);
    }

    [Fact]
    public void SelfPointingCompressionPointer_IsAFormatError() =>
        AssertMalformed([0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1], "compression pointer at byte 12 points to byte 12");

    [Fact]
    public void ForwardCompressionPointer_IsAFormatError() =>
        AssertMalformed([0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 18, 0, 1, 0, 1, 1, (byte)'a', 0], "points to byte 18, not back before byte 12");

    [Fact]
    public void TwoPointersPointingAtEachOther_AreAFormatError()
    {
        // The first record's opaque data (at 23) is a pointer to the second record's name (at 25), which points back to it.
        byte[] packet =
        [
            0, 0, 0x80, 0, 0, 0, 0, 2, 0, 0, 0, 0,
            0, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 0xC0, 25, // 12: root TXT, data: pointer to 25
            0xC0, 23, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 10, 0, 0, 1, // 25: pointer to 23, A 10.0.0.1
        ];
        AssertMalformed(packet, "compression pointer at byte 23 points to byte 25, not back before byte 23");
    }

    [Fact]
    public void LabelFollowedByAPointerBackToItsOwnName_IsAFormatError() =>
        AssertMalformed([0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0xC0, 12, 0, 1, 0, 1], "points to byte 12, not back before byte 12");

    [Theory]
    [InlineData(16, true)]
    [InlineData(17, false)]
    public void ChainsOfCompressionPointers_AreFollowedUpToSixteen(int chain, bool readable)
    {
        // Question 0 is the root name; each later question's name is a pointer to the one before, so the last one
        // follows as many pointers as there are questions after the first.
        var packet = new List<byte> { 0, 0, 0x80, 0, 0, (byte)(chain + 1), 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
        for (var i = 0; i < chain; i++)
        {
            var previous = packet.Count - (i == 0 ? 5 : 6);
            packet.AddRange([0xC0, (byte)previous, 0, 1, 0, 1]);
        }

        if (readable)
        {
            Assert.All(DnsMessageReader.Parse([.. packet]).Questions, question => Assert.Equal("", question.Name));
        }
        else
        {
            AssertMalformed([.. packet], "follows more than 16 compression pointers");
        }
    }

    [Fact]
    public void NameLongerThan255BytesThroughPointers_IsAFormatError()
    {
        // Four questions, each a 63-byte label and a pointer to the one before: 64 * 4 + 1 = 257 bytes.
        var packet = new List<byte> { 0, 0, 0x80, 0, 0, 4, 0, 0, 0, 0, 0, 0 };
        int? previous = null;
        foreach (var letter in "abcd")
        {
            var start = packet.Count;
            packet.Add(63);
            packet.AddRange(Enumerable.Repeat((byte)letter, 63));
            packet.AddRange(previous is { } p ? [0xC0, (byte)p] : [0]);
            packet.AddRange([0, 1, 0, 1]);
            previous = start;
        }

        AssertMalformed([.. packet], "is longer than 255 bytes");
    }

    [Fact]
    public void RdlengthBeyondTheEnd_IsAFormatError() =>
        AssertMalformed([0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0xFF, 0xFF, 10, 0, 0, 1], "says 65535 bytes of data at byte 23, past the end");

    [Fact]
    public void AnswerCountOf65535InA12BytePacket_IsAFormatError_WithoutAllocatingForTheCount()
    {
        byte[] packet = [0, 0, 0x80, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0];
        var before = GC.GetAllocatedBytesForCurrentThread();
        AssertMalformed(packet, "need at least 720897 bytes, the message has 12");
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 64 * 1024);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0 }, "shorter than the 12-byte header")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, (byte)'a', 0, 0, 1, 0, 1 }, "label at byte 12 runs past the end")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 1, (byte)'b', 0xC0 }, "compression pointer at byte 16 is cut off")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1 }, "label type 0x40 at byte 12 is not supported")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 1, (byte)'b', 0, 0, 1 }, "question class at byte 19 runs past the end")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 5, 10, 0, 0, 1, 0 }, "A record has 5 bytes of data, not 4")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 33, 0, 1, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 1 }, "SRV record has 6 bytes of data, fewer than 7")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 33, 0, 1, 0, 0, 0, 5, 0, 8, 0, 0, 0, 0, 0, 1, 0, 9 }, "SRV record's name ends at byte 30, but its data ends at byte 31")]
    [InlineData(new byte[] { 0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 1, 3, (byte)'a', (byte)'b', (byte)'c', 0 }, "CNAME record's name ends at byte 28, but its data ends at byte 24")]
    public void MalformedMessages_AreFormatErrors(byte[] packet, string reason) => AssertMalformed(packet, reason);

    private static void AssertMalformed(byte[] packet, string reason)
    {
        var error = Assert.Throws<DnsFormatException>(() => DnsMessageReader.Parse(packet)).Message;
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.False(DnsMessageReader.TryParse(packet, out var message, out var tryError));
        Assert.Null(message);
        Assert.Equal(error, tryError);
    }
}
