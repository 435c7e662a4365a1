namespace EtcdGateway.Discovery.Dns;

/// <summary>A parsed DNS message (RFC 1035 section 4): the header and its four sections.</summary>
internal sealed record DnsMessage(
    DnsHeader Header,
    IReadOnlyList<DnsQuestion> Questions,
    IReadOnlyList<DnsRecord> Answers,
    IReadOnlyList<DnsRecord> Authorities,
    IReadOnlyList<DnsRecord> Additionals);
