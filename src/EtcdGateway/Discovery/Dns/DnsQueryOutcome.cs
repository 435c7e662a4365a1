using System.Net;

namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// What asking the nameservers one question came to: a definite answer (NOERROR or NXDOMAIN) from <see cref="Server"/>
/// with the records it holds for the question, or the <see cref="Failure"/> that explains why there was none.
/// </summary>
internal sealed record DnsQueryOutcome(IPEndPoint? Server, DnsResponseCode? ResponseCode, IReadOnlyList<DnsRecord> Records, TimeSpan TimeToLive, string? Failure)
{
    public static DnsQueryOutcome Failed(string failure) => new(null, null, [], TimeSpan.Zero, failure);
}
