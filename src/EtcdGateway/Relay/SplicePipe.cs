using System.Collections.Concurrent;

namespace EtcdGateway.Relay;

/// <summary>
/// A kernel pipe the zero-copy relay moves bytes through (socket → pipe → socket). A pipe is held only while a batch is
/// moved synchronously, so a few per core serve every connection; idle connections hold none (they would cost two file
/// descriptors each). A pipe that may still hold bytes is closed, never pooled.
/// </summary>
internal sealed class SplicePipe
{
    private static readonly ConcurrentStack<SplicePipe> Pool = new();
    private static readonly int PoolLimit = Math.Max(2, Environment.ProcessorCount * 2);

    private SplicePipe(int readFd, int writeFd) => (ReadFd, WriteFd) = (readFd, writeFd);

    public int ReadFd { get; }

    public int WriteFd { get; }

    /// <summary>A pooled pipe, or a new one; null when no descriptor is left (the caller copies instead).</summary>
    public static SplicePipe? Rent()
    {
        if (Pool.TryPop(out var pipe))
        {
            return pipe;
        }

        return LinuxSplice.TryOpenPipe(out var readFd, out var writeFd, out _) ? new SplicePipe(readFd, writeFd) : null;
    }

    /// <summary>Returns an empty pipe to the pool (or closes it when the pool is full); closes a pipe that may hold bytes.</summary>
    public static void Return(SplicePipe pipe, bool empty)
    {
        if (empty && Pool.Count < PoolLimit)
        {
            Pool.Push(pipe);
            return;
        }

        LinuxSplice.Close(pipe.ReadFd);
        LinuxSplice.Close(pipe.WriteFd);
    }
}
