namespace EtcdGateway.Cli;

/// <summary>One command-line flag: its name, kind, default as shown in help, and help text.</summary>
internal sealed record FlagDefinition(string Name, FlagKind Kind, string DefaultText, string Help);
