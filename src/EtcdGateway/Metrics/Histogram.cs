namespace EtcdGateway.Metrics;

/// <summary>
/// A Prometheus-style histogram with fixed bucket bounds, recorded with interlocked increments only (no lock), so the
/// relay can record every connection's duration for next to nothing.
/// </summary>
internal sealed class Histogram(params double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length + 1];
    private long _sumMicroseconds;

    /// <summary>Upper bounds in seconds, ascending; a last, implicit bucket is +Inf.</summary>
    public IReadOnlyList<double> Bounds => bounds;

    public void Record(TimeSpan value)
    {
        var seconds = value.TotalSeconds;
        var bucket = 0;
        while (bucket < bounds.Length && seconds > bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumMicroseconds, (long)(value.Ticks / 10));
    }

    /// <summary>Cumulative counts per bound (the last is +Inf, i.e. the total count), and the sum in seconds.</summary>
    public (long[] Cumulative, double SumSeconds) Read()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += Volatile.Read(ref _counts[i]);
            cumulative[i] = running;
        }

        return (cumulative, Volatile.Read(ref _sumMicroseconds) / 1_000_000.0);
    }
}
