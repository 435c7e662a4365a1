namespace EtcdGateway.Discovery.Dns;

/// <summary>The resource record types the gateway asks for or meets in answers (RFC 1035, RFC 2782, RFC 3596, RFC 6891).</summary>
internal enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
}
