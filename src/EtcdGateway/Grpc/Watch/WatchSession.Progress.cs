using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>A client watch stream's progress requests, its reader, and the small rules of a create (see the other part).</summary>
internal sealed partial class WatchSession
{
    private static readonly string[] CredentialHeaders = ["token", "authorization"];

    /// <summary>
    /// A progress request, answered as etcd 3.6 answers it: once every watcher on the stream has every event up to the
    /// store's revision, with one response for the stream (id -1) at a revision no watcher has passed. Each shared watch
    /// asks its member where the store stands; the answer waits for those answers and for the watchers to read up to them.
    /// </summary>
    private async Task AskProgressAsync()
    {
        _progressOwed ??= [];
        foreach (var watcher in _table.InCreationOrder())
        {
            if (watcher is { Phase: WatcherPhase.Live, Shared: { } shared } && !_progressOwed.ContainsKey(shared))
            {
                _progressOwed[shared] = shared.AskProgress();
            }
        }

        if (_progressOwed.Count == 0)
        {
            // No watcher to wait for: the store's revision now, as etcd gives it.
            _progressOwed = null;
            var header = await _permission.CurrentHeaderAsync(_options, _requiresLeader, _ended) ?? _lastHeader;
            _lastHeader = header;
            _toClient.Add(new WatchResponse { Header = header, WatchId = WatchMessages.InvalidWatchId });
        }
    }

    private void TryAnswerProgress()
    {
        if (_progressOwed is null)
        {
            return;
        }

        var revision = long.MaxValue;
        ResponseHeader? header = null;
        foreach (var watcher in _table.InCreationOrder())
        {
            if (watcher is not { Phase: WatcherPhase.Live, Shared: { } shared })
            {
                continue;
            }

            var view = shared.Read(long.MaxValue);
            if (watcher.CatchUp is not null
                || watcher.Next <= view.Through
                || (_progressOwed.TryGetValue(shared, out var ticket) && view.ProgressAnswered < ticket))
            {
                return;
            }

            revision = Math.Min(revision, Math.Min(watcher.Next - 1, view.Through));
            header ??= view.Header;
        }

        _progressOwed = null;
        header ??= _lastHeader;
        _toClient.Add(new WatchResponse { Header = AtRevision(header, revision == long.MaxValue ? header.Revision : revision), WatchId = WatchMessages.InvalidWatchId });
    }

    /// <summary>etcd's <c>ErrEmptyWatcherRange</c>: a range end at or before the key ("\0", every key from the key on, is not one).</summary>
    private static bool IsEmptyRange(WatchCreateRequest create)
    {
        var end = create.RangeEnd;
        return end.Length > 0 && !(end.Length == 1 && end[0] == 0) && create.Key.Span.SequenceCompareTo(end.Span) >= 0;
    }

    /// <summary>The client's token metadata, with which the cluster watchers may be created on its behalf.</summary>
    private static Metadata Credentials(CallOptions options)
    {
        var credentials = new Metadata { { Upstream.RetryRules.RequireLeaderKey, "true" } };
        foreach (var name in CredentialHeaders)
        {
            if (options.Headers?.Get(name) is { } entry)
            {
                credentials.Add(entry);
            }
        }

        return credentials;
    }

    /// <summary>Client → inbox until the client half-closes or goes away (its call's cancellation then ends the session).</summary>
    private async Task ReadClientAsync(IAsyncStreamReader<WatchRequest> fromClient, CancellationToken ended)
    {
        try
        {
            while (await fromClient.MoveNext(ended))
            {
                await _inbox.Writer.WriteAsync(new SessionInput(SessionInputKind.ClientRequest, Request: _hub.Keys.ToCluster(fromClient.Current)), ended);
            }

            await _inbox.Writer.WriteAsync(SessionInput.ClientEnded, ended);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The client is gone or the session is over; the call's cancellation carries it.
        }
    }

}
