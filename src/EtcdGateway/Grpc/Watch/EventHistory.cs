namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// The bounded event history of one shared cluster watcher (Kubernetes' cacher's ring, etcd 3.7 cache's history): the
/// responses received from <see cref="CompleteFrom"/> through <see cref="Through"/>, oldest dropped first once over
/// <see cref="WatchHistoryLimits"/>. A watcher whose next revision is at least <see cref="CompleteFrom"/> finds every
/// event it needs here; one that wants older events than the history holds must be caught up from the cluster.
/// Not thread-safe: its shared watch guards it.
/// </summary>
internal sealed class EventHistory
{
    private readonly WatchHistoryLimits _limits;
    private readonly List<HistoryEntry> _entries = [];
    private int _head;
    private long _events;
    private long _bytes;

    /// <param name="startRevision">The first revision the cluster watcher was created from.</param>
    public EventHistory(long startRevision, WatchHistoryLimits limits)
    {
        _limits = limits;
        CompleteFrom = startRevision;
        Through = startRevision - 1;
    }

    /// <summary>The oldest revision from which every event is held.</summary>
    public long CompleteFrom { get; private set; }

    /// <summary>The newest revision up to which every event is known (from events, or a progress notification).</summary>
    public long Through { get; private set; }

    public int Count => _entries.Count - _head;

    /// <summary>Events dropped to stay within the limits, since the start.</summary>
    public long Evicted { get; private set; }

    /// <summary>Whether a watcher that needs every event from <paramref name="next"/> on finds them here.</summary>
    public bool Covers(long next) => next >= CompleteFrom;

    /// <summary>Adds a response; events already known (at or before <see cref="Through"/>) must have been left out.</summary>
    public void Append(HistoryEntry entry)
    {
        if (entry.FirstRevision <= Through)
        {
            throw new InvalidOperationException($"events at {entry.FirstRevision} are not after {Through}");
        }

        _entries.Add(entry);
        _events += entry.Events.Count;
        _bytes += entry.Bytes;
        Through = entry.LastRevision;
        Trim();
    }

    /// <summary>The cluster said nothing happened in the range up to <paramref name="revision"/> that it has not sent.</summary>
    public void AdvanceTo(long revision)
    {
        if (revision > Through)
        {
            Through = revision;
        }
    }

    /// <summary>The held responses with events at or after <paramref name="next"/>, oldest first (the first may start before it).</summary>
    public List<HistoryEntry> From(long next)
    {
        var lo = _head;
        var hi = _entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_entries[mid].LastRevision < next)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return _entries.GetRange(lo, _entries.Count - lo);
    }

    private void Trim()
    {
        while (Count > 1 && (_events > _limits.Events || _bytes > _limits.Bytes))
        {
            var oldest = _entries[_head];
            _entries[_head++] = null!;
            _events -= oldest.Events.Count;
            _bytes -= oldest.Bytes;
            Evicted += oldest.Events.Count;
            CompleteFrom = oldest.LastRevision + 1;
        }

        // Drop the dead prefix once it is half the list, so the list never grows without bound.
        if (_head > 64 && _head * 2 > _entries.Count)
        {
            _entries.RemoveRange(0, _head);
            _head = 0;
        }
    }
}
