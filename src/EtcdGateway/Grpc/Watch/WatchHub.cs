using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Grpc.Upstream;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// The shared cluster watchers by range (etcd's <c>watchBroadcasts</c>): a client watcher joins the one for its range,
/// made for it (from its start revision) if there is none or the one there is over; the last client watcher to leave
/// ends it. Joins and leaves are serialised here, so a watcher never joins one that is being ended.
/// </summary>
internal sealed class WatchHub(MemberStreams members, KeySpace keys, WatchHistoryLimits limits, WatchCoalescingMetrics metrics, CatchUpLimiter? catchUps = null)
{
    private readonly System.Threading.Lock _gate = new();
    private readonly Dictionary<WatchRange, SharedWatch> _shared = [];

    public MemberStreams Members => members;

    public KeySpace Keys => keys;

    public WatchCoalescingMetrics Metrics => metrics;

    /// <summary>How many catch-up watchers the proxy holds at once, and who waits for one.</summary>
    public CatchUpLimiter CatchUps { get; } = catchUps ?? new CatchUpLimiter(CatchUpLimiter.DefaultLimit, metrics);

    /// <summary>Attaches <paramref name="subscriber"/> to the shared watch on <paramref name="range"/>; a new one starts at <paramref name="startRevision"/>.</summary>
    public SharedWatch Join(WatchRange range, long startRevision, IWatchSubscriber subscriber)
    {
        SharedWatch? made = null;
        SharedWatch shared;
        lock (_gate)
        {
            if (_shared.TryGetValue(range, out var existing) && existing.TryAdd(subscriber, out var count))
            {
                shared = existing;
                if (count > 1)
                {
                    metrics.WatchersChanged(1);
                }
            }
            else
            {
                shared = made = new SharedWatch(range, startRevision, members, keys, limits, metrics);
                made.TryAdd(subscriber, out _);
                _shared[range] = made;
            }
        }

        made?.Start();
        return shared;
    }

    public void Leave(SharedWatch shared, IWatchSubscriber subscriber)
    {
        bool last;
        lock (_gate)
        {
            var left = shared.Remove(subscriber);
            last = left == 0;
            if (last)
            {
                if (_shared.TryGetValue(shared.Range, out var current) && current == shared)
                {
                    _shared.Remove(shared.Range);
                }
            }
            else
            {
                metrics.WatchersChanged(-1);
            }
        }

        if (last)
        {
            shared.Stop();
        }
    }
}
