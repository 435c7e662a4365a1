namespace EtcdGateway.Discovery.Dns;

/// <summary>The RDATA of a CNAME record: the name the owner is an alias for, without trailing dot.</summary>
internal sealed record DnsCanonicalNameData(string Target) : DnsRecordData;
