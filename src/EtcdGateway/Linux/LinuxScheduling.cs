using System.Runtime.InteropServices;

namespace EtcdGateway.Linux;

/// <summary>The calling thread's scheduling policy (sched_setscheduler(2) with pid 0, which means the calling thread).</summary>
internal static unsafe class LinuxScheduling
{
    private const int PolicyBatch = 3;

    /// <summary>
    /// Puts the calling thread under SCHED_BATCH: the same share of the CPU as any other thread, but a wake-up does not
    /// preempt the thread that is running. 0 or -errno. Needs no privilege.
    /// </summary>
    public static int UseBatchPolicy()
    {
        var priority = 0; // struct sched_param { int sched_priority; }: must be 0 for SCHED_BATCH
        return SchedSetScheduler(0, PolicyBatch, &priority) == 0 ? 0 : -Marshal.GetLastSystemError();
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler")]
    private static extern int SchedSetScheduler(int pid, int policy, int* parameter);
}
