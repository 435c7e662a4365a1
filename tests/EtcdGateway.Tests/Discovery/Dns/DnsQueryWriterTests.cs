using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

public class DnsQueryWriterTests
{
    [Fact]
    public void Query_IsTheHeaderWithRecursionDesired_AndOneQuestionOfClassIn()
    {
        byte[] expected =
        [
            0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, // id, RD, one question
            4, .. "etcd"u8, 7, .. "example"u8, 3, .. "com"u8, 0, 0, 33, 0, 1, // etcd.example.com SRV IN
        ];
        Assert.Equal(expected, DnsQueryWriter.Write(0xBEEF, "etcd.example.com", DnsRecordType.SRV));
        Assert.Equal(expected, DnsQueryWriter.Write(0xBEEF, "etcd.example.com.", DnsRecordType.SRV));
    }

    [Fact]
    public void UdpPayloadSize_AddsAnOptRecordAdvertisingIt()
    {
        var query = DnsQueryWriter.Write(1, "example.com", DnsRecordType.A, udpPayloadSize: 1232);

        Assert.Equal(1, query[11]);
        Assert.Equal([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0], query[^11..]);
        var opt = Assert.Single(DnsMessageReader.Parse(query).Additionals);
        Assert.Equal((DnsRecordType.OPT, (ushort)1232), (opt.Type, opt.Class));
    }

    [Fact]
    public void Query_ReadsBackAsTheQuestionAsked()
    {
        var query = DnsMessageReader.Parse(DnsQueryWriter.Write(4242, "M1.Example.Test", DnsRecordType.AAAA, 1232));

        Assert.Equal(new DnsHeader(4242, IsResponse: false, Opcode: 0, AuthoritativeAnswer: false, Truncated: false, RecursionDesired: true, RecursionAvailable: false, DnsResponseCode.NoError), query.Header);
        Assert.Equal([new DnsQuestion("M1.Example.Test", DnsRecordType.AAAA, DnsQuestion.InternetClass)], query.Questions);
    }

    [Theory]
    [InlineData("", "empty name")]
    [InlineData(".", "empty name")]
    [InlineData("a..b", "empty label")]
    [InlineData("a b.com", "U+0020")]
    [InlineData("a\\.b.com", "U+005C")]
    [InlineData("caf\u00e9.com", "U+00E9")]
    public void NamesThatCannotBeWritten_AreRefused(string name, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => DnsQueryWriter.Write(1, name, DnsRecordType.A)).Message;
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsUpTo63AndNamesUpTo255Bytes_AreTheLimits()
    {
        var label63 = new string('a', 63);
        var name253 = $"{label63}.{label63}.{label63}.{new string('b', 61)}"; // 253 characters: 255 bytes on the wire
        Assert.Equal(12 + 255 + 4, DnsQueryWriter.Write(1, name253, DnsRecordType.A).Length);
        Assert.Contains("longer than 255", Assert.Throws<ArgumentException>(() => DnsQueryWriter.Write(1, name253 + "b", DnsRecordType.A)).Message, StringComparison.Ordinal);
        Assert.Contains("longer than 63", Assert.Throws<ArgumentException>(() => DnsQueryWriter.Write(1, label63 + "a.com", DnsRecordType.A)).Message, StringComparison.Ordinal);
    }
}
