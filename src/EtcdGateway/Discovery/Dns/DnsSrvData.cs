namespace EtcdGateway.Discovery.Dns;

/// <summary>The RDATA of an SRV record (RFC 2782). <see cref="Target"/> has no trailing dot; "" is the root, meaning "no service here".</summary>
internal sealed record DnsSrvData(ushort Priority, ushort Weight, ushort Port, string Target) : DnsRecordData;
