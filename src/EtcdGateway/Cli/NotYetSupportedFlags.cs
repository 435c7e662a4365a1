namespace EtcdGateway.Cli;

/// <summary>
/// The <c>grpc-proxy start</c> flags that are parsed and checked but whose behaviour is not built yet. Giving one is
/// refused with a usage error (exit 2, nothing started) instead of being silently ignored. Each line goes away when its
/// feature arrives.
/// </summary>
internal static class NotYetSupportedFlags
{
    public const string Command = "grpc-proxy start";

    public static void Check(ParsedFlags flags, GrpcProxyOptions options)
    {
        var values = new FlagValues(flags, GrpcProxyFlags.Table);

        RefuseGiven(values, GrpcProxyFlags.Cert, GrpcProxyFlags.Key, GrpcProxyFlags.CaCert, GrpcProxyFlags.CertFile, GrpcProxyFlags.KeyFile,
            GrpcProxyFlags.TrustedCaFile, GrpcProxyFlags.ClientCrlFile, GrpcProxyFlags.LeasingPrefix);
        RefuseIf(options.ClusterTls.InsecureSkipVerify, GrpcProxyFlags.InsecureSkipTlsVerify, "true");
        RefuseIf(options.ClientTls.AutoTls, GrpcProxyFlags.AutoTls, "true");
        RefuseIf(options.ClientTls.CipherSuites.Count > 0, GrpcProxyFlags.ListenCipherSuites, string.Join(',', options.ClientTls.CipherSuites));
        RefuseIf(options.EnablePprof, GrpcProxyFlags.EnablePprof, "true");
        RefuseIf(options.SerializableOrdering, GrpcProxyFlags.SerializableOrdering, "true");
        RefuseIf(options.EnableGrpcLogging, GrpcProxyFlags.EnableGrpcLogging, "true");

        // Kestrel has no policy for how often clients may ping; only etcd's default (the more lenient answer) is honest.
        var etcdMinTime = Logging.GoDuration.TryParse(GrpcProxyFlags.Table.DefaultOf(GrpcProxyFlags.GrpcKeepAliveMinTime), out var parsed, out _) ? parsed : TimeSpan.Zero;
        RefuseIf(options.GrpcKeepAliveMinTime != etcdMinTime, GrpcProxyFlags.GrpcKeepAliveMinTime, values.Text(GrpcProxyFlags.GrpcKeepAliveMinTime));

        foreach (var endpoint in values.List(GatewayFlags.Endpoints))
        {
            RefuseIf(!flags.IsSet(GatewayFlags.DiscoverySrv) && endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase), GatewayFlags.Endpoints, endpoint);
        }
    }

    private static void RefuseGiven(FlagValues values, params string[] names)
    {
        foreach (var name in names)
        {
            RefuseIf(values.Text(name).Length > 0, name, values.Text(name));
        }
    }

    private static void RefuseIf(bool given, string flag, string value)
    {
        if (given)
        {
            throw UsageException.NotSupportedYet(flag, value, Command);
        }
    }
}
