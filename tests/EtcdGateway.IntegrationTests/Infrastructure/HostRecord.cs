using System.Net;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>A host name a <see cref="DnsmasqServer"/> resolves to IPv4 (A) and/or IPv6 (AAAA) addresses.</summary>
public sealed record HostRecord(string Name, params IPAddress[] Addresses)
{
    /// <summary>The value of dnsmasq's <c>--host-record</c> option.</summary>
    internal string ToDnsmasqOption()
    {
        if (Addresses.Length == 0)
        {
            throw new ArgumentException($"Host record {Name} has no address.");
        }

        return $"--host-record={Name},{string.Join(',', Addresses.Select(a => a.ToString()))}";
    }
}
