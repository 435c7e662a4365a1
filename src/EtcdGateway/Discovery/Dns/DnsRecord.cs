namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// One resource record of an answer, authority or additional section. <see cref="Name"/> has no trailing dot; the
/// <see cref="Data"/> is typed for A, AAAA, SRV and CNAME and opaque bytes for everything else.
/// </summary>
internal sealed record DnsRecord(string Name, DnsRecordType Type, ushort Class, uint TimeToLive, DnsRecordData Data);
