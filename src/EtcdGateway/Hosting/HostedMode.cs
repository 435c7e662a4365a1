using EtcdGateway.Cli;

namespace EtcdGateway.Hosting;

/// <summary>
/// The mode the host runs, as the host needs to know it: its name in log lines, how SIGHUP reads its options again
/// (the shared part; the mode's own stay as started), and how its client-facing data path is made from the shared parts.
/// </summary>
internal sealed record HostedMode(string Name, Func<ParsedFlags, GatewayOptions> ReloadOptions, Func<DataPathParts, IDataPath> CreateDataPath);
