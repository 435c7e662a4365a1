using System.Text;

namespace EtcdGateway.Cli;

/// <summary>The <c>--help</c> texts for every level of the command tree.</summary>
internal static class HelpWriter
{
    public static string Root() => """
        etcd-gateway: a stable local endpoint for an etcd cluster.

        Run one per machine; applications talk to it, and only it needs to know the cluster's members.
        Two modes: the gateway, a transparent TCP proxy (TLS passes through) that accepts etcd's gateway
        flags unchanged, and the gRPC proxy, which serves etcd's API itself and accepts etcd's grpc-proxy flags.

        Usage:
          etcd-gateway start [flags]             run the L4 gateway (same as: etcd-gateway gateway start)
          etcd-gateway gateway start [flags]     the same, spelled as etcd spells it
          etcd-gateway grpc-proxy start [flags]  run the L7 gRPC proxy
          etcd-gateway status [--metrics-addr]   a running gateway's endpoints, as a table
          etcd-gateway --version                 print version information
          etcd-gateway [command] --help          help for a command

        Commands:
          start        start the gateway
          gateway      etcd's spelling: gateway start
          status       show a running gateway's endpoints (needs its --metrics-addr)
          grpc-proxy   the L7 gRPC proxy: grpc-proxy start
          version      print version information

        """;

    public static string Gateway() => """
        etcd-gateway gateway: etcd's spelling of the gateway command.

        Usage:
          etcd-gateway gateway start [flags]

        Commands:
          start        start the gateway

        Run 'etcd-gateway gateway start --help' for its flags.

        """;

    public static string GrpcProxy() => """
        etcd-gateway grpc-proxy: the L7 gRPC proxy, a drop-in for etcd's grpc-proxy.

        Usage:
          etcd-gateway grpc-proxy start [flags]

        Commands:
          start        start the gRPC proxy

        Run 'etcd-gateway grpc-proxy start --help' for its flags.

        """;

    public static string Start() => Command(
        "etcd-gateway start: proxy client TCP connections to the etcd cluster's members.",
        ["etcd-gateway start [flags]", "etcd-gateway gateway start [flags]"],
        GatewayFlags.All);

    public static string GrpcProxyStart() => Command(
        "etcd-gateway grpc-proxy start: serve etcd's gRPC API and forward every call to a cluster member.",
        ["etcd-gateway grpc-proxy start [flags]"],
        GrpcProxyFlags.All);

    private static string Command(string summary, string[] usages, IReadOnlyList<FlagDefinition> flags)
    {
        var text = new StringBuilder();
        text.AppendLine(summary);
        text.AppendLine();
        text.AppendLine("Usage:");
        foreach (var usage in usages)
        {
            text.Append("  ").AppendLine(usage);
        }

        text.AppendLine();
        text.AppendLine("Flags (--flag=value or --flag value; durations in Go syntax such as 300ms, 2s, 1m0s):");
        var width = flags.Max(f => Signature(f).Length) + 2;
        foreach (var flag in flags)
        {
            var defaultText = flag.DefaultText.Length == 0 ? "" : $" (default {Quote(flag)})";
            text.Append("  ").Append(Signature(flag).PadRight(width)).Append(flag.Help).AppendLine(defaultText);
        }

        text.Append("  ").Append("-h, --help".PadRight(width)).AppendLine("help for start");
        return text.ToString();
    }

    private static string Signature(FlagDefinition flag) => flag.Kind switch
    {
        FlagKind.Bool => $"--{flag.Name}",
        FlagKind.Duration => $"--{flag.Name} duration",
        FlagKind.Int => $"--{flag.Name} int",
        FlagKind.StringList => $"--{flag.Name} strings",
        _ => $"--{flag.Name} string",
    };

    private static string Quote(FlagDefinition flag) => flag.Kind is FlagKind.String or FlagKind.StringList ? $"\"{flag.DefaultText}\"" : flag.DefaultText;
}
