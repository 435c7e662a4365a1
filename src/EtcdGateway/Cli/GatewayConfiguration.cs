namespace EtcdGateway.Cli;

/// <summary>Builds a command's options from the command line and, when it names one, the config file beneath it.</summary>
internal static class GatewayConfiguration
{
    /// <summary>The options of <c>etcd-gateway start</c>; reads the file (again, on reload) with the command-line flags on top.</summary>
    public static GatewayOptions Load(ParsedFlags commandLine) => Load(commandLine, GatewayFlags.Table, static _ => true).Shared;

    /// <summary>
    /// Reads the file (again, on reload) and lays the command-line flags over it, then builds the shared options and, with
    /// <paramref name="buildMode"/>, the mode's own from the same flags. Errors are usage errors; one caused by a value in
    /// the file names the file.
    /// </summary>
    public static (GatewayOptions Shared, TMode Mode) Load<TMode>(ParsedFlags commandLine, FlagTable table, Func<ParsedFlags, TMode> buildMode)
    {
        var file = commandLine.Last(GatewayFlags.ConfigFile);
        if (file is not { Length: > 0 })
        {
            return (GatewayOptionsBuilder.Build(commandLine, table), buildMode(commandLine));
        }

        if (!File.Exists(file))
        {
            throw UsageException.InvalidValue(GatewayFlags.ConfigFile, file, "no such file");
        }

        var fromFile = ConfigFileReader.Read(file, table.All);
        try
        {
            var merged = fromFile.Overlay(commandLine);
            var options = GatewayOptionsBuilder.Build(merged, table);
            var mode = buildMode(merged);
            if (options.Discovery is { } discovery)
            {
                var fileNamesDomain = fromFile.IsSet(GatewayFlags.DiscoverySrv) && !commandLine.IsSet(GatewayFlags.DiscoverySrv);
                return (fileNamesDomain ? options with { Discovery = discovery with { FromConfigFile = true } } : options, mode);
            }

            var fileNamesEndpoints = fromFile.IsSet(GatewayFlags.Endpoints) && !commandLine.IsSet(GatewayFlags.Endpoints);
            return (fileNamesEndpoints ? options with { EndpointsSource = "config-file" } : options, mode);
        }
        catch (UsageException e) when (e.Flag is not null && fromFile.IsSet(e.Flag) && !commandLine.IsSet(e.Flag))
        {
            // The value came from the file: point there, or the user searches the command line in vain.
            throw e.IsNotSupportedYet
                ? new UsageException($"{e.Message} (set in --{GatewayFlags.ConfigFile} \"{file}\")")
                : UsageException.InvalidValue(GatewayFlags.ConfigFile, file, $"{e.Flag}: invalid value \"{e.Value}\": {e.Reason}");
        }
    }
}
