using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The cached Range answers and the rules that keep them true, under one lock (every operation is a few dictionary
/// steps; a read must also move its entry in the LRU order, so a lock-free snapshot would buy nothing):
/// <list type="bullet">
/// <item>An answer is served only while the watch covering its keys for its identity is confirmed and heard from
/// lately, and for at most <see cref="RangeCacheOptions.EntryTtl"/>.</item>
/// <item>A write at revision R to a key drops every answer covering that key read before R, whoever's.</item>
/// <item>An answer is stored only if no write after its revision to its keys was seen already, and only if its watcher
/// reports every write after its revision.</item>
/// <item>Bounded by entries and bytes; the least recently used go first.</item>
/// </list>
/// </summary>
internal sealed class RangeCacheStore
{
    private readonly System.Threading.Lock _lock = new();
    private readonly Dictionary<RangeCacheKey, CachedRange> _entries = [];
    private readonly LinkedList<CachedRange> _lru = new();
    private readonly Dictionary<KeyRange, List<CachedRange>> _byRange = [];
    private readonly Dictionary<CacheIdentity, IdentityWatches> _watches = [];
    private readonly InvalidationLog _log;
    private readonly RangeCacheOptions _options;
    private readonly RangeCacheMetrics _metrics;
    private readonly IInvalidationFeed _feed;
    private readonly TimeProvider _time;
    private long _bytes;

    public RangeCacheStore(RangeCacheOptions options, RangeCacheMetrics metrics, IInvalidationFeed feed, TimeProvider time)
    {
        _options = options;
        _metrics = metrics;
        _feed = feed;
        _time = time;
        _log = new InvalidationLog(options.InvalidationLogCapacity);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The cached answer, if one may be served now.</summary>
    public RangeResponse? TryGet(RangeCacheKey key)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return null;
            }

            var now = _time.GetUtcNow();
            if (now - entry.StoredAt > _options.EntryTtl)
            {
                Remove(entry);
                Publish();
                return null;
            }

            if (!Watched(entry, now))
            {
                return null;
            }

            _lru.Remove(entry.LruNode!);
            _lru.AddFirst(entry.LruNode!);
            return entry.Response;
        }
    }

    /// <summary>Stores the cluster's answer unless a rule forbids it; whether it was stored.</summary>
    public bool TryStore(RangeCacheKey key, KeyRange range, RangeResponse response)
    {
        var size = response.CalculateSize() + key.Request.Length + key.Identity.Value.Length + 128L;
        var revision = response.Header?.Revision ?? 0;
        if (size > _options.MaxBytes || revision <= 0)
        {
            return false;
        }

        lock (_lock)
        {
            // :: The revision rule: a write after this answer's revision to its keys was seen; the answer is already old.
            if (_log.SeenAfter(range, revision))
            {
                return false;
            }

            var now = _time.GetUtcNow();
            var watched = WatcherFor(key.Identity, range, revision, now);
            if (watched is null)
            {
                return false;
            }

            if (_entries.TryGetValue(key, out var old))
            {
                Remove(old);
            }

            var entry = new CachedRange(key, range, response, size, now);
            entry.LruNode = _lru.AddFirst(entry);
            _entries[key] = entry;
            Group(range).Add(entry);
            watched.Entries++;
            _bytes += size;

            // :: Bounds: the least recently used go until both hold.
            while (_entries.Count > _options.MaxEntries || _bytes > _options.MaxBytes)
            {
                Remove(_lru.Last!.Value);
            }

            Publish();
            return true;
        }
    }

    /// <summary>A write at <paramref name="revision"/> touched <paramref name="keys"/>: every answer covering them read before it goes.</summary>
    public void Invalidate(KeyRange keys, long revision)
    {
        lock (_lock)
        {
            _log.Add(keys, revision);
            DropWhere(keys, entry => entry.Revision < revision);
        }
    }

    /// <summary>A write whose revision is unknown (it failed, or its outcome is) touched <paramref name="keys"/>: drop what covers them now.</summary>
    public void Invalidate(KeyRange keys)
    {
        lock (_lock)
        {
            DropWhere(keys, _ => true);
        }
    }

    /// <summary>Any message arrived on the stream: it is alive.</summary>
    public void Heard(IdentityWatches watches)
    {
        lock (_lock)
        {
            watches.LastHeard = _time.GetUtcNow();
        }
    }

    /// <summary>The cluster answered the oldest create request on the stream: confirmed, or refused (then its answers go).</summary>
    public void Created(IdentityWatches watches, bool refused)
    {
        lock (_lock)
        {
            if (!IsCurrent(watches) || !watches.Creating.TryDequeue(out var watched))
            {
                return;
            }

            if (refused)
            {
                Unwatch(watches, watched);
            }
            else
            {
                watched.Active = true;
            }
        }
    }

    /// <summary>The cluster cancelled a watcher (compaction, or our own cancel confirmed): nothing it covered may be served.</summary>
    public void Cancelled(IdentityWatches watches, long watchId)
    {
        lock (_lock)
        {
            if (IsCurrent(watches) && watches.ById.TryGetValue(watchId, out var watched))
            {
                Unwatch(watches, watched);
            }
        }
    }

    /// <summary>The stream ended: every answer of its identity goes; the next miss opens a new one.</summary>
    public void StreamLost(IdentityWatches watches)
    {
        lock (_lock)
        {
            if (IsCurrent(watches))
            {
                Forget(watches);
            }
        }
    }

    /// <summary>The heartbeat's housekeeping: answers past their TTL dropped, silent streams given up, idle watchers and streams closed.</summary>
    public void Sweep()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();

            // Expired answers go now, not when next asked for: a caller that never asks again (a one-shot token) would
            // otherwise keep its watch stream open until the LRU pushed the answer out.
            foreach (var expired in _entries.Values.Where(e => now - e.StoredAt > _options.EntryTtl).ToList())
            {
                Remove(expired);
            }

            Publish();
            foreach (var watches in _watches.Values.ToList())
            {
                var heard = watches.LastHeard ?? watches.OpenedAt;
                if (now - heard > _options.GiveUpAfter || (watches.Ranges.Count == 0 && now - watches.IdleSince > _options.IdleWatchLinger))
                {
                    Forget(watches);
                    continue;
                }

                foreach (var watched in watches.Ranges.Values.ToList())
                {
                    if (watched is { Active: true, Entries: 0 } && now - watched.IdleSince > _options.IdleWatchLinger)
                    {
                        Unwatch(watches, watched);
                        _feed.Cancel(watches, watched);
                    }
                }
            }
        }
    }

    private bool Watched(CachedRange entry, DateTimeOffset now) =>
        _watches.TryGetValue(entry.Key.Identity, out var watches)
        && watches.LastHeard is { } heard && now - heard <= _options.HeardWithin
        && watches.Ranges.TryGetValue(entry.Range, out var watched) && watched.Active;

    /// <summary>
    /// The watcher that reports every write after <paramref name="revision"/> to <paramref name="range"/> for the identity,
    /// made (from revision + 1) if there is none; null when the one there starts later, so writes between would go unseen.
    /// </summary>
    private WatchedRange? WatcherFor(CacheIdentity identity, KeyRange range, long revision, DateTimeOffset now)
    {
        if (!_watches.TryGetValue(identity, out var watches))
        {
            watches = new IdentityWatches(identity, now);
            _watches[identity] = watches;
            _feed.Open(watches);
        }

        if (watches.Ranges.TryGetValue(range, out var watched))
        {
            return watched.StartRevision <= revision + 1 ? watched : null;
        }

        watched = new WatchedRange(range, watches.NextWatchId(), revision + 1) { IdleSince = now };
        watches.Ranges[range] = watched;
        watches.ById[watched.WatchId] = watched;
        watches.Creating.Enqueue(watched);
        _feed.Create(watches, watched);
        return watched;
    }

    private bool IsCurrent(IdentityWatches watches) =>
        _watches.TryGetValue(watches.Identity, out var current) && ReferenceEquals(current, watches);

    private void Unwatch(IdentityWatches watches, WatchedRange watched)
    {
        watches.Ranges.Remove(watched.Range);
        watches.ById.Remove(watched.WatchId);
        if (watches.Ranges.Count == 0)
        {
            watches.IdleSince = _time.GetUtcNow();
        }

        DropWhere(watched.Range, entry => entry.Key.Identity.Equals(watches.Identity) && entry.Range.Equals(watched.Range));
    }

    private void Forget(IdentityWatches watches)
    {
        _watches.Remove(watches.Identity);
        foreach (var entry in _entries.Values.Where(e => e.Key.Identity.Equals(watches.Identity)).ToList())
        {
            Remove(entry);
        }

        Publish();
        _feed.Close(watches);
    }

    private void DropWhere(KeyRange keys, Func<CachedRange, bool> stale)
    {
        List<CachedRange>? dropped = null;
        foreach (var (range, group) in _byRange)
        {
            if (range.Intersects(keys))
            {
                foreach (var entry in group)
                {
                    if (stale(entry))
                    {
                        (dropped ??= []).Add(entry);
                    }
                }
            }
        }

        if (dropped is null)
        {
            return;
        }

        foreach (var entry in dropped)
        {
            Remove(entry);
        }

        Publish();
    }

    private List<CachedRange> Group(KeyRange range)
    {
        if (!_byRange.TryGetValue(range, out var group))
        {
            group = [];
            _byRange[range] = group;
        }

        return group;
    }

    private void Remove(CachedRange entry)
    {
        if (!_entries.Remove(entry.Key))
        {
            return;
        }

        _lru.Remove(entry.LruNode!);
        _bytes -= entry.Size;
        if (_byRange.TryGetValue(entry.Range, out var group))
        {
            group.Remove(entry);
            if (group.Count == 0)
            {
                _byRange.Remove(entry.Range);
            }
        }

        if (_watches.TryGetValue(entry.Key.Identity, out var watches) && watches.Ranges.TryGetValue(entry.Range, out var watched) && --watched.Entries == 0)
        {
            watched.IdleSince = _time.GetUtcNow();
        }
    }

    private void Publish()
    {
        _metrics.KeysNow(_entries.Count);
        _metrics.BytesNow(_bytes);
    }
}
