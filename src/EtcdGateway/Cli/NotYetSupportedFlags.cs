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

        RefuseGiven(values, GrpcProxyFlags.LeasingPrefix);
        RefuseIf(options.EnablePprof, GrpcProxyFlags.EnablePprof, "true");
        RefuseIf(options.SerializableOrdering, GrpcProxyFlags.SerializableOrdering, "true");
        RefuseIf(options.EnableGrpcLogging, GrpcProxyFlags.EnableGrpcLogging, "true");
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
