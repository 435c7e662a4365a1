using EtcdGateway.Hosting;
using EtcdGateway.Linux;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>
/// One loop's share of the listening socket: every loop watches it (EPOLLEXCLUSIVE wakes one per connection) and accepts
/// into itself. It never accepts past the connection cap, and never stops for a passing fault: transient errors are
/// skipped, resource shortages (EMFILE, ENOBUFS) pause accepting from 100 ms up to 5 s, and only a broken listening
/// socket ends it (the gateway then exits non-zero). Runs on its loop's thread only.
/// </summary>
internal sealed class ListenerShare(EventLoop loop, int listenFd, Action onFatal)
{
    private const int AcceptsPerWake = 64;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>At the cap, how often to look for a free slot (connections wait in the kernel's backlog meanwhile).</summary>
    private static readonly TimeSpan CapRecheck = TimeSpan.FromMilliseconds(20);

    /// <summary>At the cap every closed connection lets one more in; one line per interval says so instead of two per connection.</summary>
    private static readonly TimeSpan CapLogInterval = TimeSpan.FromSeconds(10);

    private readonly DataPathParts _parts = loop.Parts;
    private bool _watching;
    private bool _stopped;
    private TimeSpan _backoff;
    private long _lastCapLog = long.MinValue;
    private int _capWaitsSinceLog;

    /// <summary>When to start watching again after a pause (a timestamp), or <see cref="long.MaxValue"/>.</summary>
    public long ResumeAt { get; private set; } = long.MaxValue;

    public void Resume()
    {
        ResumeAt = long.MaxValue;
        if (_stopped || _watching)
        {
            return;
        }

        var added = loop.AddListener(listenFd);
        if (added != 0)
        {
            Fatal(added);
            return;
        }

        _watching = true;
    }

    public void Stop()
    {
        Pause(TimeSpan.Zero);
        ResumeAt = long.MaxValue;
        _stopped = true;
    }

    public void OnTimer(long now)
    {
        if (now >= ResumeAt)
        {
            Resume();
        }
    }

    public void OnReadable()
    {
        for (var i = 0; i < AcceptsPerWake && _watching; i++)
        {
            if (!_parts.Tracker.TryReserve())
            {
                AtCap();
                return;
            }

            var fd = LinuxSockets.Accept(listenFd);
            if (fd >= 0)
            {
                if (_backoff != TimeSpan.Zero)
                {
                    _parts.Logger.Info("accepting connections again", [new("open-connections", _parts.Tracker.Count)]);
                    _backoff = TimeSpan.Zero;
                }

                loop.StartConnection(fd);
                continue;
            }

            _parts.Tracker.Unreserve();
            if (fd == -Errno.EAGAIN)
            {
                return;
            }

            var error = SocketErrors.FromErrno(-fd);
            switch (AcceptErrors.Classify(error))
            {
                case AcceptErrorKind.Transient:
                    _parts.Logger.Debug("accept failed; continuing", [LogField.Error(SocketErrors.DescribeErrno(-fd))]);
                    continue;
                case AcceptErrorKind.ResourcePressure:
                    _backoff = _backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
                    _parts.Logger.Warn("accept failed: out of resources; backing off", [
                        LogField.Error(SocketErrors.DescribeErrno(-fd)), new("retry-in", _backoff), new("open-connections", _parts.Tracker.Count)]);
                    Pause(_backoff);
                    return;
                default:
                    Fatal(-fd);
                    return;
            }
        }
    }

    private void AtCap()
    {
        _capWaitsSinceLog++;
        var time = _parts.Time;
        if (_lastCapLog == long.MinValue || time.GetElapsedTime(_lastCapLog) >= CapLogInterval)
        {
            _parts.Logger.Warn("connection limit reached; new connections wait in the listen backlog", [
                new("max-connections", _parts.Tracker.MaxConnections), new("waits", _capWaitsSinceLog)]);
            _lastCapLog = time.GetTimestamp();
            _capWaitsSinceLog = 0;
        }

        Pause(CapRecheck);
    }

    /// <summary>Stops watching the listening socket; it is watched again after <paramref name="delay"/> (if not zero).</summary>
    private void Pause(TimeSpan delay)
    {
        if (_watching)
        {
            _ = loop.RemoveListener(listenFd);
            _watching = false;
        }

        if (delay > TimeSpan.Zero && !_stopped)
        {
            ResumeAt = _parts.Time.GetTimestamp() + (long)(delay.TotalSeconds * _parts.Time.TimestampFrequency);
        }
    }

    private void Fatal(int errno)
    {
        _parts.Logger.Error("accept failed; the listener cannot continue", [
            LogField.Error(SocketErrors.DescribeErrno(errno)), new("code", SocketErrors.FromErrno(errno).ToString())]);
        Stop();
        onFatal();
    }
}
