namespace EtcdGateway.Discovery.Dns;

/// <summary>The fixed 12-byte header of a DNS message, without the section counts (the parsed sections carry those).</summary>
internal readonly record struct DnsHeader(
    ushort Id,
    bool IsResponse,
    byte Opcode,
    bool AuthoritativeAnswer,
    bool Truncated,
    bool RecursionDesired,
    bool RecursionAvailable,
    DnsResponseCode ResponseCode);
