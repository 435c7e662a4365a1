using EtcdGateway.Cli;

namespace EtcdGateway.Relay;

/// <summary>
/// How many event loops relay the bytes, from <c>ETCD_GATEWAY_LOOPS</c>, and how the kernel schedules their threads, from
/// <c>ETCD_GATEWAY_LOOP_POLICY</c> (for tuning; the defaults are what the benchmarks measure). A value that means nothing
/// is bad input (exit 2), never a silent fallback.
/// </summary>
internal static class RelayEngineSettings
{
    public const string LoopsVariable = "ETCD_GATEWAY_LOOPS";

    public const string LoopPolicyVariable = "ETCD_GATEWAY_LOOP_POLICY";

    private const string BatchPolicy = "batch";
    private const string NormalPolicy = "normal";

    private const int MaxLoops = 1024;

    /// <summary>
    /// Event loops: the variable's value, else one per two CPUs (at least one). A loop spends most of its time in the
    /// kernel's TCP code; the other CPUs are left to the network stack's own work and to the applications the gateway
    /// runs beside. On 2 CPUs one loop measured about 10% less CPU per request than two, at the same requests/s.
    /// </summary>
    public static int Loops =>
        int.TryParse(Environment.GetEnvironmentVariable(LoopsVariable), out var loops) && loops is > 0 and <= MaxLoops ? loops : Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Whether the loops run under SCHED_BATCH (<c>batch</c>, the default) rather than the normal policy (<c>normal</c>).
    /// A loop sleeps in epoll_wait whenever it has caught up, and under the normal policy each byte that arrives wakes
    /// it and preempts whatever runs on that CPU (the client, the member): one sleep and one switch for every event or
    /// two. Under SCHED_BATCH the woken loop waits for the running thread to block or use up its slice, and finds
    /// several connections ready by then. Measured with wrk against one member on 2 CPUs (same binary, alternated):
    /// about 40% fewer context switches and 10-23% less CPU per small request, at the same requests/s. The price is
    /// that on a CPU busy with work that does not block (a compiler), a woken loop can wait out that thread's slice (a
    /// few ms), which showed in p99 on a loaded machine; <c>normal</c> is there for such hosts.
    /// </summary>
    public static bool BatchScheduling => Environment.GetEnvironmentVariable(LoopPolicyVariable) is not NormalPolicy;

    /// <summary>Throws <see cref="UsageException"/> naming the variable and its value when it is set to something unusable.</summary>
    public static void Validate()
    {
        if (Environment.GetEnvironmentVariable(LoopPolicyVariable) is { Length: > 0 } policy && policy is not (BatchPolicy or NormalPolicy))
        {
            throw new UsageException($"invalid value \"{policy}\" for environment variable {LoopPolicyVariable}: use {BatchPolicy} or {NormalPolicy}");
        }

        if (Environment.GetEnvironmentVariable(LoopsVariable) is { Length: > 0 } loops && !(int.TryParse(loops, out var count) && count is > 0 and <= MaxLoops))
        {
            throw new UsageException($"invalid value \"{loops}\" for environment variable {LoopsVariable}: use a whole number from 1 to {MaxLoops}");
        }
    }
}
