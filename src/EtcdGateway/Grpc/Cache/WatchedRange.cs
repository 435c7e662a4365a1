namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// One range the cache watches for one identity: the watcher's id on that identity's stream, the revision it watches
/// from (every write after it arrives as an event), whether the cluster has confirmed it, and how many cached answers
/// depend on it. Changed only under the store's lock.
/// </summary>
internal sealed class WatchedRange(KeyRange range, long watchId, long startRevision)
{
    public KeyRange Range { get; } = range;

    public long WatchId { get; } = watchId;

    /// <summary>The first revision whose writes the watcher reports.</summary>
    public long StartRevision { get; } = startRevision;

    /// <summary>The cluster answered the create request: writes from <see cref="StartRevision"/> on are on their way.</summary>
    public bool Active { get; set; }

    public int Entries { get; set; }

    /// <summary>When the last answer depending on it went; a watcher idle long enough is cancelled.</summary>
    public DateTimeOffset IdleSince { get; set; }
}
