namespace EtcdGateway.Discovery.Dns;

/// <summary>The RDATA of a record; the subtypes are the forms the reader decodes.</summary>
internal abstract record DnsRecordData;
