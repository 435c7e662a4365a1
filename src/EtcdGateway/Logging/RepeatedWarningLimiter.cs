namespace EtcdGateway.Logging;

/// <summary>
/// Keeps a warning that can happen once per client (a connection turned away, a call failed for want of a member) from
/// flooding the log when a client hammers a dead cluster: the first occurrence is logged, those within
/// <paramref name="interval"/> of the last logged one are only counted, and the next one logged after that carries the
/// count of those left out. Safe from any thread; the lock is taken only on the path that warns.
/// </summary>
internal sealed class RepeatedWarningLimiter(TimeProvider time, TimeSpan interval)
{
    /// <summary>How often a warning that repeats per client is written at most.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private bool _loggedOnce;
    private long _lastLogged;
    private long _leftOut;

    /// <summary>
    /// True when this occurrence is to be logged; <paramref name="leftOut"/> is then how many were not since the last line
    /// (the value of its <c>suppressed</c> field).
    /// </summary>
    public bool ShouldLog(out long leftOut)
    {
        lock (_lock)
        {
            if (_loggedOnce && time.GetElapsedTime(_lastLogged) < interval)
            {
                _leftOut++;
                leftOut = 0;
                return false;
            }

            leftOut = _leftOut;
            _leftOut = 0;
            _lastLogged = time.GetTimestamp();
            _loggedOnce = true;
            return true;
        }
    }
}
