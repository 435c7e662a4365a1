namespace EtcdGateway.Cli;

/// <summary>Builds the options of <c>grpc-proxy start</c> from the command line and the config file beneath it.</summary>
internal static class GrpcProxyConfiguration
{
    /// <summary>
    /// The shared options and the proxy's own, from the same flags. Everything is checked first; then a flag whose
    /// behaviour is not built yet is refused (<see cref="NotYetSupportedFlags"/>). <c>--debug</c> means
    /// <c>--log-level=debug</c>, as in etcd.
    /// </summary>
    public static (GatewayOptions Shared, GrpcProxyOptions Proxy) Load(ParsedFlags commandLine)
    {
        var (shared, proxy) = GatewayConfiguration.Load(commandLine, GrpcProxyFlags.Table, flags =>
        {
            var options = GrpcProxyOptionsBuilder.Build(flags);
            NotYetSupportedFlags.Check(flags, options);
            return options;
        });
        return (proxy.Debug ? shared with { LogLevel = Logging.LogLevel.Debug } : shared, proxy);
    }
}
