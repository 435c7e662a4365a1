using EtcdGateway.Grpc.Metrics;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// Bounds the catch-up watchers the proxy holds on the cluster at once (<c>--watch-catch-up-limit</c>): each is a
/// cluster watcher of one client watcher's own, reading the cluster's past, so many of them at once (a burst of
/// clients starting far in the past, or many falling behind) would cost the members what coalescing saves them. A
/// watcher beyond the limit waits its turn, first come first served: a place freed goes straight to the longest waiting.
/// </summary>
internal sealed class CatchUpLimiter(int limit, WatchCoalescingMetrics metrics)
{
    /// <summary>128 at once: a burst of late clients is caught up a few at a time instead of all against the members.</summary>
    public const int DefaultLimit = 128;

    private readonly System.Threading.Lock _gate = new();
    private readonly LinkedList<ClientWatcher> _waiting = [];
    private readonly Dictionary<ClientWatcher, LinkedListNode<ClientWatcher>> _inLine = [];
    private readonly HashSet<ClientWatcher> _holding = [];

    public int Limit => limit;

    /// <summary>Watchers waiting for a place now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Catch-up places taken now (by watchers catching up, or handed to one that will start its catch-up).</summary>
    public int Holding
    {
        get
        {
            lock (_gate)
            {
                return _holding.Count;
            }
        }
    }

    /// <summary>
    /// A place for <paramref name="watcher"/>'s catch-up: true if it holds one (now, or handed to it while it waited);
    /// false puts it in line (once), and its session is woken when a place is handed to it.
    /// </summary>
    public bool TryEnter(ClientWatcher watcher)
    {
        lock (_gate)
        {
            if (_holding.Contains(watcher))
            {
                return true;
            }

            if (_holding.Count < limit && _waiting.Count == 0)
            {
                _holding.Add(watcher);
                return true;
            }

            if (!_inLine.ContainsKey(watcher))
            {
                _inLine[watcher] = _waiting.AddLast(watcher);
                metrics.CatchUpsWaitingChanged(1);
            }

            return false;
        }
    }

    /// <summary>The watcher no longer needs a place (caught up, canceled, its stream gone): its place, or its turn, passes on.</summary>
    public void Leave(ClientWatcher watcher)
    {
        ClientWatcher? next = null;
        lock (_gate)
        {
            if (!_holding.Remove(watcher))
            {
                if (_inLine.Remove(watcher, out var node))
                {
                    _waiting.Remove(node);
                    metrics.CatchUpsWaitingChanged(-1);
                }

                return;
            }

            if (_waiting.First is { } first)
            {
                next = first.Value;
                _waiting.RemoveFirst();
                _inLine.Remove(next);
                metrics.CatchUpsWaitingChanged(-1);
                _holding.Add(next);
            }
        }

        next?.Wake();
    }
}
