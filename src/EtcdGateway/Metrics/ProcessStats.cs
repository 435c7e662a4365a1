using System.Diagnostics;

namespace EtcdGateway.Metrics;

/// <summary>The standard <c>process_*</c> figures, read from the runtime and /proc at scrape time.</summary>
internal sealed record ProcessStats(long ResidentBytes, double CpuSeconds, int OpenFds, double StartTimeSeconds)
{
    public static ProcessStats Read()
    {
        using var process = Process.GetCurrentProcess();
        int openFds;
        try
        {
            openFds = Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            openFds = -1;
        }

        return new ProcessStats(
            Environment.WorkingSet,
            process.TotalProcessorTime.TotalSeconds,
            openFds,
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
    }
}
