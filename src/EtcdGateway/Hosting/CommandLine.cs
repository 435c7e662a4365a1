using EtcdGateway.Admin;
using EtcdGateway.Cli;
using EtcdGateway.Logging;

namespace EtcdGateway.Hosting;

/// <summary>Routes the command line to a command and turns usage errors into one line on stderr and exit code 2.</summary>
internal static class CommandLine
{
    /// <param name="createGatewayDataPath">The L4 gateway's data path, given by the caller so that hosting never imports a mode.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<DataPathParts, IDataPath> createGatewayDataPath)
    {
        try
        {
            switch (args)
            {
                case []:
                    stderr.Write(HelpWriter.Root());
                    return UsageException.ExitCode;
                case ["-h" or "--help" or "help", ..]:
                    stdout.Write(HelpWriter.Root());
                    return 0;
                case ["--version" or "-version" or "version", ..]:
                    stdout.Write(VersionInfo.Text());
                    return 0;
                case ["start", .. var rest]:
                    return await StartAsync(rest, stdout, createGatewayDataPath);
                case ["gateway", "start", .. var rest]:
                    return await StartAsync(rest, stdout, createGatewayDataPath);
                case ["status", .. var rest]:
                    return await StatusCommand.RunAsync(rest, stdout, stderr);
                case ["gateway"]:
                    stderr.Write(HelpWriter.Gateway());
                    return UsageException.ExitCode;
                case ["gateway", "-h" or "--help" or "help"]:
                    stdout.Write(HelpWriter.Gateway());
                    return 0;
                case ["gateway", var other, ..]:
                    throw new UsageException($"unknown command \"{other}\" for \"etcd-gateway gateway\" (did you mean \"start\"?)");
                case ["grpc-proxy", ..]:
                    throw new UsageException("command \"grpc-proxy\" is not available yet; use \"etcd-gateway start\" for the L4 gateway");
                default:
                    throw new UsageException($"unknown command \"{args[0]}\" for \"etcd-gateway\" (run 'etcd-gateway --help')");
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"etcd-gateway: {e.Message}");
            return UsageException.ExitCode;
        }
    }

    private static async Task<int> StartAsync(string[] args, TextWriter stdout, Func<DataPathParts, IDataPath> createDataPath)
    {
        var flags = FlagParser.Parse(args, GatewayFlags.All);
        if (flags.HelpRequested)
        {
            stdout.Write(HelpWriter.Start());
            return 0;
        }

        var options = GatewayConfiguration.Load(flags);
        using var logger = new JsonLogger(Console.OpenStandardError(), options.LogLevel, TimeProvider.System, background: true);
        return await GatewayHost.RunAsync(options, flags, createDataPath, logger, TimeProvider.System, Random.Shared);
    }
}
