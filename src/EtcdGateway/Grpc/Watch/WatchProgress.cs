using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// How far one watcher's events have reached the client, so that it can be watched again on another member from exactly
/// there: nothing lost, nothing twice. etcd sends a watcher's events in revision order and whole revisions per response
/// (a catch-up batch stops at a revision boundary; only <c>fragment</c> splits a response, into pieces sent back to back),
/// so the next revision the client needs is one past the last event of the last whole response. The last event's
/// revision is used, not the header's: a catch-up batch cut at 1,000 revisions carries the store's newer revision.
/// Progress notifications move it too: one addressed to the watcher is sent only once the member has caught the watcher
/// up; one for the whole stream (the answer to a progress request) counts only for a watcher known to be caught up,
/// since etcd before 3.5.8 answers at once, possibly ahead of events it still holds for a watcher that fell behind.
/// </summary>
internal sealed class WatchProgress
{
    /// <summary>The first revision the client may not have every event of; 0 until known (a watch from "now" before its Created).</summary>
    private long _next;

    /// <summary>The member has said the watcher is caught up with the store (so a progress for the whole stream counts).</summary>
    private bool _synced;

    /// <summary>Events of a fragmented response whose last fragment has not come yet, already passed to the client.</summary>
    private int _partialEvents;

    private long _partialRevision;

    /// <summary>After a move: events the new member will send again that the client has from fragments.</summary>
    private int _skip;

    /// <param name="startRevision">The revision the client asked to start at; 0 for "after the current one".</param>
    public WatchProgress(long startRevision) => _next = Math.Max(startRevision, 0);

    /// <summary>Where to watch from on another member.</summary>
    public long ResumeRevision => _next;

    /// <summary>
    /// The member created (or re-created) the watcher; <paramref name="revision"/> is its header's, the store's revision
    /// then. A watch from "now" starts after it (etcd takes the revision as it creates the watcher; 3.6 reads it just
    /// after, so a write in between is delivered but not counted here until it arrives). A watcher starting after the
    /// store's revision is caught up from the start, as etcd's is.
    /// </summary>
    public void Created(long revision)
    {
        if (_next == 0)
        {
            _next = revision + 1;
        }

        _synced = _next > revision;
    }

    /// <summary>
    /// Takes a response addressed to this watcher with events or none (a progress notification), trimming what the client
    /// already has after a move. False when nothing of it is left for the client.
    /// </summary>
    public bool Observe(WatchResponse response)
    {
        var events = response.Events;
        var revision = response.Header?.Revision ?? 0;
        if (events.Count == 0 && !response.Fragment && _partialEvents == 0)
        {
            Advance(revision);
            _synced = true;
            return true;
        }

        if (_skip > 0)
        {
            var drop = Math.Min(_skip, events.Count);
            var kept = events.Skip(drop).ToList();
            events.Clear();
            events.AddRange(kept);
            _skip -= drop;
        }

        if (response.Fragment)
        {
            if (events.Count == 0)
            {
                return false;
            }

            _partialEvents += events.Count;
            _partialRevision = events[^1].Kv.ModRevision;
            return true;
        }

        // The whole response is in (or its last fragment, which the client needs even if it brings nothing new).
        var last = events.Count > 0 ? events[^1].Kv.ModRevision : _partialRevision;
        Advance(last);

        // A watcher that is caught up gets its events with the revision they were written at.
        _synced = revision == last;
        _partialEvents = 0;
        _partialRevision = 0;
        _skip = 0;
        return true;
    }

    /// <summary>A progress notification for the whole stream, at <paramref name="revision"/>.</summary>
    public void StreamProgress(long revision)
    {
        if (_synced)
        {
            Advance(revision);
        }
    }

    /// <summary>The watcher is being created again on another member, from <see cref="ResumeRevision"/>.</summary>
    public void Resuming()
    {
        _skip = _partialEvents;
        _synced = false;
    }

    private void Advance(long revision)
    {
        if (revision + 1 > _next)
        {
            _next = revision + 1;
        }
    }
}
