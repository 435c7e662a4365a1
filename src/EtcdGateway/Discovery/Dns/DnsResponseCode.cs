namespace EtcdGateway.Discovery.Dns;

/// <summary>The RCODE of a response header (RFC 1035 section 4.1.1); other values pass through as numbers.</summary>
internal enum DnsResponseCode : byte
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
}
