namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>The whole zone content a <see cref="DnsmasqServer"/> serves: SRV and host records.</summary>
public sealed record DnsRecords
{
    public IReadOnlyList<SrvRecord> Srv { get; init; } = [];

    public IReadOnlyList<HostRecord> Hosts { get; init; } = [];

    /// <summary>
    /// The domains answered only from these records, so a name in them that has no record gets NXDOMAIN
    /// (a name outside them gets REFUSED, since the server has no upstream). A domain is a record name without its
    /// first label, and for an SRV name without its <c>_service._proto</c> labels:
    /// <c>_etcd-client._tcp.example.test</c>, <c>m0.example.test</c> and SRV targets all give <c>example.test</c>.
    /// </summary>
    public IReadOnlyList<string> LocalDomains =>
        Srv.Select(r => ServiceDomain(r.Name))
            .Concat(Srv.Select(r => ParentDomain(r.Target)))
            .Concat(Hosts.Select(r => ParentDomain(r.Name)))
            .Select(d => d.TrimEnd('.'))
            .Where(d => d.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

    private static string ServiceDomain(string name) =>
        string.Join('.', name.Split('.').SkipWhile(label => label.StartsWith('_')));

    private static string ParentDomain(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? name : name[(dot + 1)..];
    }
}
