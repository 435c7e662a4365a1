using System.Globalization;

namespace GrpcLoad;

/// <summary>Reads another process's CPU time (utime+stime, all threads) and resident memory from /proc.</summary>
internal sealed class ProcessSampler(int? pid)
{
    // CLK_TCK is 100 on every Linux architecture we run on (the kernel's USER_HZ).
    private const double TicksPerSecond = 100;

    /// <summary>CPU seconds used so far, or NaN without a process.</summary>
    public double CpuSeconds()
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return double.NaN;
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name may hold spaces; the fields after it are fixed: utime and stime are the 12th and 13th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>VmRSS in KiB, or NaN without a process.</summary>
    public double RssKib()
    {
        if (pid is null || !File.Exists($"/proc/{pid}/status"))
        {
            return double.NaN;
        }
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
