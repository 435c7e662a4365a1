using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One client's watch stream as the proxy keeps it, so that it can go on with another member unchanged for the client.
/// The proxy owns the watch ids the client sees (<see cref="WatcherTable"/>) and gives every watcher its own id on member
/// streams, so ids never change when the stream moves. After a move every live watcher is created again from the revision
/// after the last one the client has (<see cref="WatchProgress"/>), its second Created response kept from the client;
/// a progress request still unanswered is asked again.
/// <para>
/// etcd handles a stream's requests one at a time and answers creates and cancels in that order, and a watch id depends
/// on what came before (an automatic id skips ids in use; a chosen one is refused while in use). So the client's requests
/// go to the member one at a time from a create on: whatever follows a create waits for its Created response, and the
/// client's id is settled then, against the watchers that exist at that point, as etcd settles it.
/// </para>
/// </summary>
internal sealed class WatchStreamState : IStreamState<WatchRequest, WatchResponse>
{
    private readonly WatcherTable _table = new();
    private readonly Dictionary<long, ClientWatcher> _byMemberWatchId = [];

    /// <summary>The Created responses the member owes, in order: each for a client's create, or for a watcher created again (kept from the client).</summary>
    private readonly Queue<(ClientWatcher Watcher, bool Again)> _awaitingCreated = new();

    /// <summary>The client's requests that wait for <see cref="_creating"/>'s Created response.</summary>
    private readonly Queue<WatchRequest> _held = new();

    private ClientWatcher? _creating;
    private bool _progressOwed;
    private ResponseHeader _lastHeader = new();
    private long _lastMemberWatchId;

    public void FromClient(WatchRequest request, StreamOutput<WatchRequest, WatchResponse> output)
    {
        if (_creating is not null)
        {
            _held.Enqueue(request);
            return;
        }

        Handle(request, output);
    }

    public void FromMember(WatchResponse response, StreamOutput<WatchRequest, WatchResponse> output)
    {
        // A compaction notice carries no revision; the proxy's own answers take the last header that did.
        if (response.Header is { Revision: > 0 } header)
        {
            _lastHeader = header;
        }

        if (response.Created)
        {
            OnCreated(response, output);
            return;
        }

        if (response.WatchId == WatchMessages.InvalidWatchId)
        {
            // The answer to a progress request: for the whole stream, at the member's revision.
            _progressOwed = false;
            foreach (var watcher in _byMemberWatchId.Values)
            {
                watcher.Progress.StreamProgress(response.Header?.Revision ?? 0);
            }

            output.ToClient.Add(response);
            return;
        }

        // Unknown: a watcher the proxy canceled itself (a duplicate id), whose last words are not the client's.
        if (!_byMemberWatchId.TryGetValue(response.WatchId, out var target))
        {
            return;
        }

        response.WatchId = target.Id;
        if (response.Canceled)
        {
            OnCanceled(target, response);
            output.ToClient.Add(response);
        }
        else if (target.Progress.Observe(response))
        {
            output.ToClient.Add(response);
        }
    }

    public void Resume(StreamOutput<WatchRequest, WatchResponse> output)
    {
        _byMemberWatchId.Clear();
        _awaitingCreated.Clear();
        foreach (var watcher in _table.InCreationOrder())
        {
            switch (watcher.Phase)
            {
                case WatcherPhase.Live:
                    SendCreate(watcher, watcher.Progress.ResumeRevision, again: true, output);
                    watcher.Progress.Resuming();
                    break;
                case WatcherPhase.Canceling:
                    // The member that was to answer the cancel is gone; the watcher is gone with it.
                    _table.Remove(watcher);
                    output.ToClient.Add(WatchMessages.Canceled(_lastHeader, watcher.Id));
                    break;
                default:
                    watcher.OnMember = false;
                    break;
            }
        }

        if (_creating is not null)
        {
            SendCreate(_creating, _creating.Request.StartRevision, again: false, output);
        }

        if (_progressOwed)
        {
            output.ToMember.Add(WatchMessages.Progress());
        }
    }

    private void Handle(WatchRequest request, StreamOutput<WatchRequest, WatchResponse> output)
    {
        switch (request.RequestUnionCase)
        {
            case WatchRequest.RequestUnionOneofCase.CreateRequest:
                var create = request.CreateRequest;
                _creating = new ClientWatcher(create.WatchId, ++_lastMemberWatchId, create);
                create.WatchId = _creating.MemberWatchId;
                SendCreate(_creating, create.StartRevision, again: false, output);
                break;
            case WatchRequest.RequestUnionOneofCase.CancelRequest:
                Cancel(request.CancelRequest.WatchId, output);
                break;
            case WatchRequest.RequestUnionOneofCase.ProgressRequest:
                _progressOwed = true;
                output.ToMember.Add(request);
                break;
            default:
                // etcd ignores a request of no kind it knows.
                break;
        }
    }

    private void Cancel(long id, StreamOutput<WatchRequest, WatchResponse> output)
    {
        // etcd answers nothing for an id no watcher holds (or one already being canceled).
        if (_table.Find(id) is not { Phase: not WatcherPhase.Canceling } watcher)
        {
            return;
        }

        if (watcher.OnMember)
        {
            watcher.Phase = WatcherPhase.Canceling;
            output.ToMember.Add(WatchMessages.Cancel(watcher.MemberWatchId));
        }
        else
        {
            // Ended before the stream moved: no member holds it, so the proxy answers as etcd would.
            _table.Remove(watcher);
            output.ToClient.Add(WatchMessages.Canceled(_lastHeader, id));
        }
    }

    private void OnCreated(WatchResponse response, StreamOutput<WatchRequest, WatchResponse> output)
    {
        if (!_awaitingCreated.TryDequeue(out var awaited))
        {
            output.ToClient.Add(response);
            return;
        }

        var (watcher, again) = awaited;
        if (again)
        {
            Recreated(watcher, response, output);
            return;
        }

        _creating = null;
        if (response.Canceled)
        {
            // Refused by the member (permission, an empty range, ...): its answer, id -1, as it gave it.
            output.ToClient.Add(response);
        }
        else if (watcher.IdChosenByClient && _table.Holds(watcher.Id))
        {
            response.WatchId = WatchMessages.InvalidWatchId;
            response.Canceled = true;
            response.CancelReason = WatchMessages.DuplicateIdReason;
            output.ToClient.Add(response);
            output.ToMember.Add(WatchMessages.Cancel(watcher.MemberWatchId));
        }
        else
        {
            if (!watcher.IdChosenByClient)
            {
                watcher.Id = _table.NextAutoId();
            }

            watcher.Phase = WatcherPhase.Live;
            watcher.OnMember = true;
            watcher.Progress.Created(response.Header?.Revision ?? 0);
            _table.Add(watcher);
            _byMemberWatchId[watcher.MemberWatchId] = watcher;
            response.WatchId = watcher.Id;
            output.ToClient.Add(response);
        }

        while (_creating is null && _held.TryDequeue(out var next))
        {
            Handle(next, output);
        }
    }

    /// <summary>A watcher created again after a move: the client has its Created response already, unless the member refused.</summary>
    private void Recreated(ClientWatcher watcher, WatchResponse response, StreamOutput<WatchRequest, WatchResponse> output)
    {
        if (!response.Canceled)
        {
            watcher.Progress.Created(response.Header?.Revision ?? 0);
            return;
        }

        // The new member refused it (the client's permission changed meanwhile, say): the watcher ends with its reason;
        // if the client has asked to cancel it meanwhile, the member has nothing to cancel, and this is the answer.
        _byMemberWatchId.Remove(watcher.MemberWatchId);
        watcher.OnMember = false;
        if (watcher.Phase == WatcherPhase.Canceling)
        {
            _table.Remove(watcher);
            output.ToClient.Add(WatchMessages.Canceled(response.Header ?? _lastHeader, watcher.Id));
            return;
        }

        watcher.Phase = WatcherPhase.Ended;
        output.ToClient.Add(WatchMessages.Canceled(response.Header ?? _lastHeader, watcher.Id, response.CancelReason));
    }

    private void OnCanceled(ClientWatcher watcher, WatchResponse response)
    {
        if (response.CompactRevision != 0)
        {
            // Compacted: the member still holds the watcher until the client cancels it, and so does the table.
            if (watcher.Phase == WatcherPhase.Live)
            {
                watcher.Phase = WatcherPhase.Ended;
            }

            return;
        }

        _byMemberWatchId.Remove(watcher.MemberWatchId);
        watcher.OnMember = false;
        if (watcher.Phase == WatcherPhase.Canceling)
        {
            _table.Remove(watcher);
        }
        else
        {
            watcher.Phase = WatcherPhase.Ended;
        }
    }

    private void SendCreate(ClientWatcher watcher, long startRevision, bool again, StreamOutput<WatchRequest, WatchResponse> output)
    {
        var create = watcher.Request;
        if (create.StartRevision != startRevision)
        {
            create = create.Clone();
            create.StartRevision = startRevision;
        }

        if (again)
        {
            watcher.OnMember = true;
            _byMemberWatchId[watcher.MemberWatchId] = watcher;
        }

        output.ToMember.Add(new WatchRequest { CreateRequest = create });
        _awaitingCreated.Enqueue((watcher, again));
    }
}
