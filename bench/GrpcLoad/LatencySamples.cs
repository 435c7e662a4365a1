using System.Diagnostics;

namespace GrpcLoad;

/// <summary>Latencies in microseconds from one thread of work, merged at the end for percentiles.</summary>
internal sealed class LatencySamples
{
    private readonly List<int> _micros = new(4096);

    public int Count => _micros.Count;

    public void AddSince(long startTimestamp) => Add(Stopwatch.GetElapsedTime(startTimestamp));

    public void Add(TimeSpan elapsed) => _micros.Add((int)Math.Min(int.MaxValue, elapsed.Ticks / 10));

    /// <summary>The p50 and p99 in milliseconds over all the given samples (NaN when there are none).</summary>
    public static (double P50, double P99) Percentiles(IEnumerable<LatencySamples> parts)
    {
        var all = parts.SelectMany(p => p._micros).ToArray();
        if (all.Length == 0)
        {
            return (double.NaN, double.NaN);
        }
        Array.Sort(all);
        double At(double q) => all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)] / 1000.0;
        return (At(0.50), At(0.99));
    }
}
