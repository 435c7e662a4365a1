using EtcdGateway.Cli;

namespace EtcdGateway.Relay;

/// <summary>
/// Which relay carries the bytes and with how many event loops, from the environment (for comparison and tuning; the
/// defaults are what the README measures). <c>ETCD_GATEWAY_RELAY</c>: <c>epoll</c> (the Linux default: event loops
/// over raw descriptors), <c>splice</c> (runtime sockets with splice(2)) or <c>copy</c> (runtime sockets, a copy loop).
/// <c>ETCD_GATEWAY_LOOPS</c>: event loops for <c>epoll</c>. A value that means nothing is bad input (exit 2), never a
/// silent fallback to another engine.
/// </summary>
internal static class RelayEngineSettings
{
    public const string RelayVariable = "ETCD_GATEWAY_RELAY";
    public const string LoopsVariable = "ETCD_GATEWAY_LOOPS";

    private const int MaxLoops = 1024;

    /// <summary>The relay asked for: epoll, splice or copy (empty when not set).</summary>
    public static string Relay { get; } = Environment.GetEnvironmentVariable(RelayVariable) ?? "";

    /// <summary>
    /// Event loops: the variable's value, else one per two CPUs (at least one). A loop spends most of its time in the
    /// kernel's TCP code; the other CPUs are left to the network stack's own work and to the applications the gateway
    /// runs beside. On 2 CPUs one loop measured about 10% less CPU per request than two, at the same requests/s.
    /// </summary>
    public static int Loops =>
        int.TryParse(Environment.GetEnvironmentVariable(LoopsVariable), out var loops) && loops is > 0 and <= MaxLoops ? loops : Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Throws <see cref="UsageException"/> naming the variable and its value when either is set to something unusable.</summary>
    public static void Validate()
    {
        if (Relay is not ("" or "epoll" or "splice" or "copy"))
        {
            throw new UsageException($"invalid value \"{Relay}\" for environment variable {RelayVariable}: use epoll (the default on Linux), splice or copy");
        }

        if (Environment.GetEnvironmentVariable(LoopsVariable) is { Length: > 0 } loops && !(int.TryParse(loops, out var count) && count is > 0 and <= MaxLoops))
        {
            throw new UsageException($"invalid value \"{loops}\" for environment variable {LoopsVariable}: use a whole number from 1 to {MaxLoops}");
        }
    }
}
