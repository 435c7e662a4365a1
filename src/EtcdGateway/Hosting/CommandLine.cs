using EtcdGateway.Admin;
using EtcdGateway.Cli;
using EtcdGateway.Logging;

namespace EtcdGateway.Hosting;

/// <summary>Routes the command line to a command and turns usage errors into one line on stderr and exit code 2.</summary>
internal static class CommandLine
{
    /// <param name="createGatewayDataPath">The L4 gateway's data path, given by the caller so that hosting never imports a mode.</param>
    /// <param name="createGrpcProxyDataPath">The L7 proxy's data path, likewise; it also gets the proxy's own options.</param>
    public static async Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, Func<DataPathParts, IDataPath> createGatewayDataPath,
        Func<DataPathParts, GrpcProxyOptions, IDataPath> createGrpcProxyDataPath)
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
                    return await StartGatewayAsync(rest, stdout, createGatewayDataPath);
                case ["gateway", "start", .. var rest]:
                    return await StartGatewayAsync(rest, stdout, createGatewayDataPath);
                case ["grpc-proxy", "start", .. var rest]:
                    return await StartGrpcProxyAsync(rest, stdout, createGrpcProxyDataPath);
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
                case ["grpc-proxy"]:
                    stderr.Write(HelpWriter.GrpcProxy());
                    return UsageException.ExitCode;
                case ["grpc-proxy", "-h" or "--help" or "help"]:
                    stdout.Write(HelpWriter.GrpcProxy());
                    return 0;
                case ["grpc-proxy", var other, ..]:
                    throw new UsageException($"unknown command \"{other}\" for \"etcd-gateway grpc-proxy\" (did you mean \"start\"?)");
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

    private static async Task<int> StartGatewayAsync(string[] args, TextWriter stdout, Func<DataPathParts, IDataPath> createDataPath)
    {
        var flags = FlagParser.Parse(args, GatewayFlags.All);
        if (flags.HelpRequested)
        {
            stdout.Write(HelpWriter.Start());
            return 0;
        }

        var options = GatewayConfiguration.Load(flags);
        return await RunHostAsync(options, flags, new HostedMode("gateway", GatewayConfiguration.Load, createDataPath));
    }

    private static async Task<int> StartGrpcProxyAsync(string[] args, TextWriter stdout, Func<DataPathParts, GrpcProxyOptions, IDataPath> createDataPath)
    {
        var flags = FlagParser.Parse(args, GrpcProxyFlags.All);
        if (flags.HelpRequested)
        {
            stdout.Write(HelpWriter.GrpcProxyStart());
            return 0;
        }

        // The proxy's own options are read once: what they change (namespace, TLS, limits) needs a restart.
        var (options, proxyOptions) = GrpcProxyConfiguration.Load(flags);
        var mode = new HostedMode("gRPC proxy", f => GrpcProxyConfiguration.Load(f).Shared, parts => createDataPath(parts, proxyOptions));
        return await RunHostAsync(options, flags, mode);
    }

    private static async Task<int> RunHostAsync(GatewayOptions options, ParsedFlags flags, HostedMode mode)
    {
        using var logger = new JsonLogger(Console.OpenStandardError(), options.LogLevel, TimeProvider.System, background: true);
        return await GatewayHost.RunAsync(options, flags, mode, logger, TimeProvider.System, Random.Shared);
    }
}
