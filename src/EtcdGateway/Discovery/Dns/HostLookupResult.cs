using System.Net;

namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// The addresses of a host, IPv4 before IPv6, for <see cref="Name"/> (the candidate of the search list that answered).
/// <see cref="TimeToLive"/> is the smallest TTL among the records and any CNAMEs that led to them; for an IP literal,
/// which needs no lookup, it is <see cref="TimeSpan.MaxValue"/>.
/// </summary>
internal sealed record HostLookupResult(string Name, IReadOnlyList<IPAddress> Addresses, TimeSpan TimeToLive);
