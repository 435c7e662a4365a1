using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>A client watch stream's catch-up watches and the ends the cluster gives its watchers (see the other parts).</summary>
internal sealed partial class WatchSession
{
    /// <summary>
    /// A catch-up watch for a watcher older than the history, once it has a place (<see cref="CatchUpLimiter"/>); until
    /// then it waits, sent nothing, and its session is woken when a place is handed to it.
    /// </summary>
    private void StartCatchUp(ClientWatcher watcher)
    {
        if (watcher.Replayed && !watcher.WaitingForCatchUp)
        {
            _hub.Metrics.SlowWatcher();
        }

        watcher.Replayed = true;
        if (!_hub.CatchUps.TryEnter(watcher))
        {
            watcher.WaitingForCatchUp = true;
            return;
        }

        watcher.WaitingForCatchUp = false;
        _hub.Metrics.CatchUpStarted();
        watcher.CatchUp = new CatchUpWatch(_hub.Members, _hub.Keys, watcher, _inbox.Writer, _ended);
        watcher.CatchUp.Start();
    }

    /// <summary>The watcher's catch-up watch is over (merged back, canceled, ended): its place passes on.</summary>
    private void StopCatchUp(ClientWatcher watcher)
    {
        watcher.CatchUp?.Stop();
        watcher.CatchUp = null;
        watcher.WaitingForCatchUp = false;
        _hub.CatchUps.Leave(watcher);
    }

    private void FromCatchUp(ClientWatcher watcher, WatchResponse response)
    {
        if (response.Events.Count > 0)
        {
            WatcherResponses.Add(_toClient, watcher, response.Header, response.Events);
        }
        else if (response.WatchId != WatchMessages.InvalidWatchId)
        {
            // The catch-up watcher's own progress notification: etcd sends one only to a watcher that has been sent every
            // event up to its revision (a synced one), so the watcher is past it, and merges back without waiting for the
            // range's next event. (An answer to a progress request, id -1, says no such thing before etcd 3.4.25/3.5.8.)
            if (watcher.Request.ProgressNotify)
            {
                _toClient.Add(new WatchResponse { Header = response.Header, WatchId = watcher.Id });
            }

            watcher.Next = Math.Max(watcher.Next, (response.Header?.Revision ?? 0) + 1);
        }

        Pull(watcher);
    }

    /// <summary>
    /// The cluster ended the watch under the watcher. Compacted past where the watcher stands: etcd's compaction notice,
    /// and the watcher keeps its id until the client cancels it. A watcher already past the compacted revision (it
    /// joined later than the watch began) goes on in a new shared watch.
    /// </summary>
    private void EndWatcher(ClientWatcher watcher, WatchResponse end)
    {
        Detach(watcher);
        if (end.CompactRevision > 0 && watcher.Next > end.CompactRevision)
        {
            Attach(watcher);
            Pull(watcher);
            return;
        }

        watcher.Phase = WatcherPhase.Ended;
        _toClient.Add(new WatchResponse
        {
            Header = end.Header ?? _lastHeader,
            WatchId = watcher.Id,
            Canceled = true,
            CompactRevision = end.CompactRevision,
            CancelReason = end.CancelReason,
        });
    }
}
