using System.Net;

namespace EtcdGateway.Discovery.Dns;

/// <summary>The RDATA of an A (4 bytes) or AAAA (16 bytes) record.</summary>
internal sealed record DnsAddressData(IPAddress Address) : DnsRecordData;
