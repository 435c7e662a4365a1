namespace EtcdGateway.Cli;

/// <summary>
/// One command's flags: their definitions (the one place each default is written; help, parsing and the config file all
/// read it) and the few facts the shared options builder needs where the two commands differ.
/// </summary>
/// <param name="All">Every flag of the command, in the order help lists them.</param>
/// <param name="DiscoveryCaFlag">The flag naming the CA file SRV discovery verifies members with: etcd's gateway calls it
/// <c>--trusted-ca-file</c>, its gRPC proxy <c>--cacert</c> (there <c>--trusted-ca-file</c> is about clients).</param>
/// <param name="SchemeStrippedNotice">What to log when an endpoint was written as a URL, or null when a scheme is simply
/// how the endpoint is written (the L7 proxy speaks to members itself).</param>
internal sealed record FlagTable(IReadOnlyList<FlagDefinition> All, string DiscoveryCaFlag, string? SchemeStrippedNotice)
{
    /// <summary>The default of <paramref name="name"/>, as written in <see cref="All"/>.</summary>
    public string DefaultOf(string name) =>
        All.FirstOrDefault(f => f.Name == name)?.DefaultText ?? throw new ArgumentException($"no flag named {name}", nameof(name));
}
