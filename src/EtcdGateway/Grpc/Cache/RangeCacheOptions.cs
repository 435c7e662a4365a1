namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The range cache's bounds (<c>--cache-max-entries</c>, <c>--cache-max-bytes</c>, <c>--cache-entry-ttl</c>) and the
/// timing of its watches. The flags' defaults are in the flag table; the timings are fixed here, with why.
/// </summary>
internal sealed record RangeCacheOptions
{
    /// <summary>Cached answers held at most; 0 turns the cache off (every Range forwarded).</summary>
    public required int MaxEntries { get; init; }

    /// <summary>Bytes of cached answers held at most.</summary>
    public required long MaxBytes { get; init; }

    /// <summary>
    /// How long one answer is served before the cluster is asked again. Writes are seen sooner, through the watch; this
    /// bounds what a watch cannot show: a permission revoked, a user removed, auth enabled (the cluster decides those,
    /// and a re-read asks it again with the caller's token).
    /// </summary>
    public required TimeSpan EntryTtl { get; init; }

    /// <summary>How often each watch stream is asked for progress: its heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A stream not heard from for longer serves nothing: its member may be hung, and writes may be going unseen. Kept
    /// at a few heartbeats so one slow answer does not stop the cache, and under the 1 s in which a write must be seen.
    /// </summary>
    public TimeSpan HeardWithin { get; init; } = TimeSpan.FromMilliseconds(900);

    /// <summary>A stream silent this long is given up (its answers dropped) and opened again on the next miss.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A watcher no answer depends on is kept this long (and then a stream with no watcher), so a key read again after a
    /// write keeps its watcher; short, since with auth on every one-shot token (each etcdctl run) holds a stream of its own.
    /// </summary>
    public TimeSpan IdleWatchLinger { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Invalidations remembered for the revision rule.</summary>
    public int InvalidationLogCapacity { get; init; } = 4096;

    public bool Enabled => MaxEntries > 0 && MaxBytes > 0;
}
