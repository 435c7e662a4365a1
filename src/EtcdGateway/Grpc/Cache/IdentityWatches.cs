namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The watch stream the cache holds for one identity, as the store sees it: the ranges watched on it, the create requests
/// not yet answered (the cluster answers them in order), and when the stream was last heard from. A new stream for the
/// same identity is a new object, so a late message from a stream already given up is recognised and ignored. Changed
/// only under the store's lock.
/// </summary>
internal sealed class IdentityWatches(CacheIdentity identity, DateTimeOffset openedAt)
{
    private long _lastWatchId;

    public CacheIdentity Identity { get; } = identity;

    public Dictionary<KeyRange, WatchedRange> Ranges { get; } = [];

    public Dictionary<long, WatchedRange> ById { get; } = [];

    public Queue<WatchedRange> Creating { get; } = new();

    public DateTimeOffset OpenedAt { get; } = openedAt;

    /// <summary>When the last message (event, created, progress) arrived; null until the first.</summary>
    public DateTimeOffset? LastHeard { get; set; }

    /// <summary>When the last watched range went; a stream with none for long enough is closed.</summary>
    public DateTimeOffset IdleSince { get; set; } = openedAt;

    /// <summary>Client-chosen watcher ids (etcd 3.4+), so a cancel names the watcher whatever order the answers came in.</summary>
    public long NextWatchId() => ++_lastWatchId;
}
