namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>One DNS SRV record a <see cref="DnsmasqServer"/> serves, e.g. <c>_etcd-client._tcp.example.test</c> → <c>m0.example.test:2379</c>.</summary>
public sealed record SrvRecord(string Name, string Target, int Port, int Priority = 0, int Weight = 0)
{
    /// <summary>The value of dnsmasq's <c>--srv-host</c> option.</summary>
    internal string ToDnsmasqOption() =>
        FormattableString.Invariant($"--srv-host={Name},{Target},{Port},{Priority},{Weight}");
}
