namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// The SRV records found, in the order the server gave them, for <see cref="Name"/> (the candidate of the search list that
/// answered). <see cref="TimeToLive"/> is the smallest TTL among the records and any CNAMEs that led to them.
/// </summary>
internal sealed record SrvLookupResult(string Name, IReadOnlyList<DnsSrvData> Records, TimeSpan TimeToLive);
