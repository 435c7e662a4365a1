namespace EtcdGateway.Cli;

/// <summary>
/// The <c>grpc-proxy start</c> flags that are parsed and checked but whose behaviour is not built yet. Giving one is
/// refused with a usage error (exit 2, nothing started) instead of being silently ignored. Each line goes away when its
/// feature arrives; <c>--grpc-keepalive-min-time</c> stays, as Kestrel offers no way to build it.
/// </summary>
internal static class NotYetSupportedFlags
{
    public const string Command = "grpc-proxy start";

    public static void Check(ParsedFlags flags, GrpcProxyOptions options)
    {
        var values = new FlagValues(flags, GrpcProxyFlags.Table);

        RefuseGiven(values, GrpcProxyFlags.LeasingPrefix);
        RefuseIf(options.EnablePprof, GrpcProxyFlags.EnablePprof, "true");
        RefuseIf(options.SerializableOrdering, GrpcProxyFlags.SerializableOrdering, "true");
        RefuseIf(options.EnableGrpcLogging, GrpcProxyFlags.EnableGrpcLogging, "true");

        // Kestrel's HTTP/2 server answers every ping and has no policy on how often a client may send them (gRPC-Go's
        // GOAWAY ENHANCE_YOUR_CALM "too_many_pings"); only etcd's default is taken, and the help says it is not enforced.
        var etcdMinTime = Logging.GoDuration.TryParse(GrpcProxyFlags.Table.DefaultOf(GrpcProxyFlags.GrpcKeepAliveMinTime), out var parsed, out _) ? parsed : TimeSpan.Zero;
        if (options.GrpcKeepAliveMinTime != etcdMinTime)
        {
            throw UsageException.NotSupported(GrpcProxyFlags.GrpcKeepAliveMinTime, values.Text(GrpcProxyFlags.GrpcKeepAliveMinTime),
                $"the proxy's HTTP/2 server (Kestrel) cannot limit how often clients ping; only etcd's default {GoDuration(etcdMinTime)} is accepted, and it is not enforced");
        }
    }

    private static string GoDuration(TimeSpan value) => Logging.GoDuration.Format(value);

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
