using EtcdGateway.Cli;

namespace EtcdGateway.Relay;

/// <summary>
/// How many event loops relay the bytes, from <c>ETCD_GATEWAY_LOOPS</c> (for tuning; the default is what the benchmarks
/// measure). A value that means nothing is bad input (exit 2), never a silent fallback.
/// </summary>
internal static class RelayEngineSettings
{
    public const string LoopsVariable = "ETCD_GATEWAY_LOOPS";

    private const int MaxLoops = 1024;

    /// <summary>
    /// Event loops: the variable's value, else one per two CPUs (at least one). A loop spends most of its time in the
    /// kernel's TCP code; the other CPUs are left to the network stack's own work and to the applications the gateway
    /// runs beside. On 2 CPUs one loop measured about 10% less CPU per request than two, at the same requests/s.
    /// </summary>
    public static int Loops =>
        int.TryParse(Environment.GetEnvironmentVariable(LoopsVariable), out var loops) && loops is > 0 and <= MaxLoops ? loops : Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Throws <see cref="UsageException"/> naming the variable and its value when it is set to something unusable.</summary>
    public static void Validate()
    {
        if (Environment.GetEnvironmentVariable(LoopsVariable) is { Length: > 0 } loops && !(int.TryParse(loops, out var count) && count is > 0 and <= MaxLoops))
        {
            throw new UsageException($"invalid value \"{loops}\" for environment variable {LoopsVariable}: use a whole number from 1 to {MaxLoops}");
        }
    }
}
