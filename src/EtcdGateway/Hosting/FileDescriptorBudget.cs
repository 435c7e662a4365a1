using System.Runtime.InteropServices;

namespace EtcdGateway.Hosting;

/// <summary>
/// How many client connections fit under the process's file-descriptor limit. Each relayed connection holds two fds,
/// and the process opens files of its own at odd moments (the admin listener, health probes, /proc reads, the resolver);
/// those must not fail for lack of a descriptor. So the gateway keeps headroom and never accepts past it.
/// </summary>
internal static unsafe class FileDescriptorBudget
{
    /// <summary>fds left for the runtime, logging and the retry monitor, on top of what is open at start-up.</summary>
    public const int Headroom = 32;

    private const int RlimitNofile = 7;

    /// <summary>
    /// Client connections allowed: two fds each, after what is already open, the fixed headroom, and a further 5% of the
    /// limit (so a large limit keeps proportionally more spare); at least 1.
    /// </summary>
    public static int MaxConnections(ulong softLimit, int openAtStart)
    {
        var spare = (long)Math.Min(softLimit, int.MaxValue) - openAtStart - Headroom - (long)(Math.Min(softLimit, int.MaxValue) / 20);
        return (int)Math.Clamp(spare / 2, 1, int.MaxValue / 2);
    }

    /// <summary>The limit for this process, or null where it cannot be read (not Linux).</summary>
    public static int? ForThisProcess()
    {
        RLimit limit;
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, &limit) != 0)
        {
            return null;
        }

        int open;
        try
        {
            open = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return null;
        }

        return MaxConnections(limit.Current, open);
    }

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetRLimit(int resource, RLimit* limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
