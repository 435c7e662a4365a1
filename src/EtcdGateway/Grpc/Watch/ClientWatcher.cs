using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One of a client's watchers on a stream: the id the client knows it by, its create request (keys as the cluster names
/// them, its own filters, prev_kv, fragment and progress_notify), the next revision it needs, and where that comes
/// from: its range's shared watch, or its own catch-up watch while it is older than the shared watch's history.
/// </summary>
internal sealed class ClientWatcher(long requestedId, long order, WatchCreateRequest request) : IWatchSubscriber
{
    /// <summary>The id the client sees: the one it chose, or (asked for 0, etcd's automatic id) the one given at creation.</summary>
    public long Id { get; set; } = requestedId;

    public bool IdChosenByClient { get; } = requestedId != 0;

    /// <summary>Creation order on the stream.</summary>
    public long Order { get; } = order;

    public WatchCreateRequest Request { get; } = request;

    public WatchRange Range { get; } = new(request.Key, request.RangeEnd);

    public WatcherPhase Phase { get; set; } = WatcherPhase.Live;

    /// <summary>The first revision the client may not have every event of.</summary>
    public long Next { get; set; }

    public SharedWatch? Shared { get; set; }

    /// <summary>Its own watch on the cluster while it is older than <see cref="Shared"/>'s history.</summary>
    public CatchUpWatch? CatchUp { get; set; }

    /// <summary>It needs a catch-up watch and waits for a place (<see cref="CatchUpLimiter"/>).</summary>
    public bool WaitingForCatchUp { get; set; }

    /// <summary>Its first read from the history is done (the first one is sent as one batch, as etcd catches a watcher up).</summary>
    public bool Replayed { get; set; }

    /// <summary>The shared watch's progress notifications seen so far.</summary>
    public long SeenProgress { get; set; }

    /// <summary>The shared watch's losses of the leader seen so far (a client that asked for a leader is ended at a new one).</summary>
    public long SeenLeaderLosses { get; set; }

    /// <summary>The store's revision when the watcher was created: its first replay from the history is sent at no older one.</summary>
    public long CreatedRevision { get; set; }

    public Metadata Credentials { get; set; } = Metadata.Empty;

    /// <summary>Tells the session that holds the watcher that its shared watch has something new for this watcher.</summary>
    public Action<ClientWatcher> WakeSession { get; set; } = static _ => { };

    /// <summary>1 while the watcher waits in its session's queue of watchers to read; the session clears it before reading.</summary>
    public int Woken;

    public void Wake()
    {
        // One place in the queue however many times it is woken before the session reads it.
        if (Interlocked.Exchange(ref Woken, 1) == 0)
        {
            WakeSession(this);
        }
    }
}
