namespace EtcdGateway.Discovery.Dns;

/// <summary>The RDATA of a record type the reader does not decode, copied as it arrived (names inside it stay compressed).</summary>
internal sealed record DnsOpaqueData(byte[] Bytes) : DnsRecordData;
