namespace EtcdGateway.Cli;

/// <summary>Builds <see cref="GatewayOptions"/> from the command line and, when it names one, the config file beneath it.</summary>
internal static class GatewayConfiguration
{
    /// <summary>Reads the file (again, on reload) and lays the command-line flags over it; errors are usage errors.</summary>
    public static GatewayOptions Load(ParsedFlags commandLine)
    {
        var file = commandLine.Last(GatewayFlags.ConfigFile);
        if (file is not { Length: > 0 })
        {
            return GatewayOptionsBuilder.Build(commandLine);
        }

        if (!File.Exists(file))
        {
            throw UsageException.InvalidValue(GatewayFlags.ConfigFile, file, "no such file");
        }

        var fromFile = ConfigFileReader.Read(file, GatewayFlags.All);
        try
        {
            var options = GatewayOptionsBuilder.Build(fromFile.Overlay(commandLine));
            if (options.Discovery is { } discovery)
            {
                var fileNamesDomain = fromFile.IsSet(GatewayFlags.DiscoverySrv) && !commandLine.IsSet(GatewayFlags.DiscoverySrv);
                return fileNamesDomain ? options with { Discovery = discovery with { FromConfigFile = true } } : options;
            }

            var fileNamesEndpoints = fromFile.IsSet(GatewayFlags.Endpoints) && !commandLine.IsSet(GatewayFlags.Endpoints);
            return fileNamesEndpoints ? options with { EndpointsSource = "config-file" } : options;
        }
        catch (UsageException e) when (e.Flag is not null && fromFile.IsSet(e.Flag) && !commandLine.IsSet(e.Flag))
        {
            // The value came from the file: point there, or the user searches the command line in vain.
            throw UsageException.InvalidValue(GatewayFlags.ConfigFile, file, $"{e.Flag}: invalid value \"{e.Value}\": {e.Reason}");
        }
    }
}
