using System.Collections.Concurrent;
using System.Threading.Channels;
using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One client's watch stream: its watchers, each attached to its range's shared watch (<see cref="WatchHub"/>), with
/// etcd's semantics per stream (client-chosen and automatic ids, Created at the store's revision, cancels, compaction,
/// progress requests, filters, prev_kv, fragments, progress notifications, <c>hasleader</c>, a half-closed client side):
/// <code>
/// client ──► create: permission (Range with the client's token) ──► join the shared watch ──► Created
/// shared watch ──► wake ──► each watcher reads the history from its next revision ──► its responses ──► client
///                  older than the history ──► its own catch-up watch ──► merged back once the history covers it
/// </code>
/// One loop owns the watchers and the client's writer; shared watches only wake it. A client that reads slowly holds
/// back only its own stream: its watchers fall behind the history, and are caught up from the cluster alone.
/// </summary>
internal sealed partial class WatchSession
{
    private const int InboxCapacity = 64;

    private readonly WatchHub _hub;
    private readonly WatchPermission _permission;
    private readonly CallOptions _options;
    private readonly bool _requiresLeader;

    /// <summary>
    /// The client's token metadata and this session's wake, made once and given to each of its watchers: per watcher they
    /// were a Metadata, its list and array and a delegate, about 150 bytes each, 1.5 MB for 10,000 watchers.
    /// </summary>
    private readonly Metadata _credentials;
    private readonly Action<ClientWatcher> _wake;
    private readonly WatcherTable _table = new();
    private readonly List<WatchResponse> _toClient = [];
    private readonly Channel<SessionInput> _inbox = Channel.CreateBounded<SessionInput>(
        new BoundedChannelOptions(InboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private CancellationToken _ended;
    private ResponseHeader _lastHeader = new();
    private long _order;

    /// <summary>
    /// The watchers whose shared watch has news, each once: a session reads only these after a wake, not every watcher it
    /// holds (a stream with many watchers on many keys would otherwise read them all for each write to one key).
    /// </summary>
    private readonly ConcurrentQueue<ClientWatcher> _woken = new();
    private readonly List<ClientWatcher> _toPull = [];
    private int _wakeQueued;

    /// <summary>A progress request waits for every watcher to be caught up: the shared watches' tickets it waits for.</summary>
    private Dictionary<SharedWatch, long>? _progressOwed;

    /// <summary>The client's requests that came while a progress request was unanswered, in order.</summary>
    private readonly Queue<WatchRequest> _held = new();

    public WatchSession(WatchHub hub, WatchPermission permission, CallOptions options)
    {
        _hub = hub;
        _permission = permission;
        _options = options;
        _requiresLeader = options.Headers?.GetValue(Upstream.RetryRules.RequireLeaderKey) == "true";
        _credentials = Credentials(options);
        _wake = Wake;
    }

    public async Task RunAsync(IAsyncStreamReader<WatchRequest> fromClient, IServerStreamWriter<WatchResponse> toClient, CancellationToken clientGone)
    {
        var tracked = _hub.Members.Track(clientGone);
        using var sessionEnded = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
        _ended = sessionEnded.Token;
        var reader = ReadClientAsync(fromClient, _ended);
        try
        {
            while (true)
            {
                var input = await _inbox.Reader.ReadAsync(_ended);
                if (input.Kind == SessionInputKind.Wake)
                {
                    Volatile.Write(ref _wakeQueued, 0);
                }

                await HandleAsync(input);
                await SettleAsync();
                foreach (var response in _toClient)
                {
                    await toClient.WriteAsync(response, _ended);
                }

                _toClient.Clear();
            }
        }
        finally
        {
            await sessionEnded.CancelAsync();
            foreach (var watcher in _table.InCreationOrder())
            {
                Detach(watcher);
            }

            await reader;
            _hub.Members.Untrack(tracked);
        }
    }

    /// <summary>
    /// What the shared watches have for the watchers, then the progress request if it can be answered now; the client's
    /// requests held behind it then, in order (etcd answers a stream's requests in the order they came).
    /// </summary>
    private async Task SettleAsync()
    {
        while (true)
        {
            if (!_woken.IsEmpty)
            {
                PullWoken();
            }

            TryAnswerProgress();
            if (_progressOwed is not null || !_held.TryDequeue(out var next))
            {
                return;
            }

            await HandleRequestAsync(next);
        }
    }

    /// <summary>A shared watch has news for <paramref name="watcher"/> (any thread; never blocks).</summary>
    private void Wake(ClientWatcher watcher)
    {
        _woken.Enqueue(watcher);
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 0 && !_inbox.Writer.TryWrite(SessionInput.Wake))
        {
            // The inbox is full: the loop will see the flag after the input it is on.
            Volatile.Write(ref _wakeQueued, 0);
        }
    }

    private async Task HandleAsync(SessionInput input)
    {
        switch (input.Kind)
        {
            case SessionInputKind.ClientRequest when _progressOwed is not null || _held.Count > 0:
                _held.Enqueue(input.Request!);
                break;
            case SessionInputKind.ClientRequest:
                await HandleRequestAsync(input.Request!);
                break;
            case SessionInputKind.CatchUpResponse when input.CatchUp!.Watcher.CatchUp == input.CatchUp:
                FromCatchUp(input.CatchUp.Watcher, input.Response!);
                break;
            case SessionInputKind.CatchUpEnded when input.CatchUp!.Watcher.CatchUp == input.CatchUp:
                EndWatcher(input.CatchUp.Watcher, input.Response!);
                break;
            case SessionInputKind.CatchUpFailed when input.CatchUp!.Watcher.CatchUp == input.CatchUp:
                throw input.Error!;
            case SessionInputKind.CatchUpLeaderLost when _requiresLeader && input.CatchUp!.Watcher.CatchUp == input.CatchUp:
                throw RetryRules.NoLeaderError();
            default:
                // A wake (handled after every input), the client's half-close (it still reads), or a replaced catch-up.
                break;
        }
    }

    private async Task HandleRequestAsync(WatchRequest request)
    {
        switch (request.RequestUnionCase)
        {
            case WatchRequest.RequestUnionOneofCase.CreateRequest:
                await CreateAsync(request.CreateRequest);
                break;
            case WatchRequest.RequestUnionOneofCase.CancelRequest:
                await CancelAsync(request.CancelRequest.WatchId);
                break;
            case WatchRequest.RequestUnionOneofCase.ProgressRequest:
                await AskProgressAsync();
                break;
            default:
                // etcd ignores a request of no kind it knows.
                break;
        }
    }

    private async Task CreateAsync(WatchCreateRequest create)
    {
        // :: Step 1: the client's own permission, with its own token, as etcd checks it before anything else; the Range's
        // header is the store's revision, which the Created response carries and a watch "from now" starts after.
        var permitted = await _permission.CheckAsync(create, _options, _requiresLeader, _ended);
        if (permitted is null)
        {
            _toClient.Add(Refused(WatchMessages.PermissionDeniedReason));
            return;
        }

        _lastHeader = permitted.Header;

        // :: Step 2: etcd's checks, in its order: an empty range, then the id.
        if (IsEmptyRange(create))
        {
            _toClient.Add(Refused(WatchMessages.EmptyRangeReason));
            return;
        }

        if (create.WatchId != 0 && _table.Holds(create.WatchId))
        {
            _toClient.Add(Refused(WatchMessages.DuplicateIdReason));
            return;
        }

        var watcher = new ClientWatcher(create.WatchId, ++_order, create)
        {
            Next = create.StartRevision > 0 ? create.StartRevision : permitted.Header.Revision + 1,
            CreatedRevision = permitted.Header.Revision,
            Credentials = _credentials,
            WakeSession = _wake,
        };
        if (!watcher.IdChosenByClient)
        {
            watcher.Id = _table.NextAutoId();
        }

        _table.Add(watcher);

        // :: Step 3: into the range's shared watch (made from this watcher's revision if there is none), then its past.
        // The Created response names the member holding the cluster watcher, as etcd's names the member holding the watcher.
        Attach(watcher);
        var holder = await watcher.Shared!.FirstCreated.WaitAsync(_ended) ?? permitted.Header;
        var header = holder.Clone();
        header.Revision = permitted.Header.Revision;
        _toClient.Add(new WatchResponse { Header = header, WatchId = watcher.Id, Created = true });
        Pull(watcher);
    }

    private WatchResponse Refused(string reason) => new()
    {
        Header = _lastHeader,
        WatchId = WatchMessages.InvalidWatchId,
        Created = true,
        Canceled = true,
        CancelReason = reason,
    };

    private void Attach(ClientWatcher watcher)
    {
        watcher.Shared = _hub.Join(watcher.Range, watcher.Next, watcher);
        var view = watcher.Shared.Read(long.MaxValue);
        watcher.SeenProgress = view.ProgressSequence;
        watcher.SeenLeaderLosses = view.LeaderLosses;
    }

    private void Detach(ClientWatcher watcher)
    {
        StopCatchUp(watcher);
        if (watcher.Shared is { } shared)
        {
            watcher.Shared = null;
            _hub.Leave(shared, watcher);
        }
    }

    /// <summary>Reads what the woken watchers' shared watches have for them, in creation order as etcd's stream sends it.</summary>
    private void PullWoken()
    {
        while (_woken.TryDequeue(out var watcher))
        {
            // Cleared before the read: news arriving during it wakes the watcher again, and nothing is missed.
            Volatile.Write(ref watcher.Woken, 0);
            _toPull.Add(watcher);
        }

        if (_toPull.Count > 1)
        {
            _toPull.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        }

        try
        {
            foreach (var watcher in _toPull)
            {
                // A watcher cancelled or ended since it was woken is no longer read (Pull skips a detached one).
                if (watcher.Phase == WatcherPhase.Live && _table.Find(watcher.Id) == watcher)
                {
                    Pull(watcher);
                }
            }
        }
        finally
        {
            _toPull.Clear();
        }
    }

    /// <summary>What the watcher's shared watch has for it: events, a progress notification, its end; or a catch-up.</summary>
    private void Pull(ClientWatcher watcher)
    {
        if (watcher.Shared is not { } shared)
        {
            return;
        }

        var view = shared.Read(watcher.Next);
        if (view.Failure is { } failure)
        {
            throw failure;
        }

        // etcd ends a hasleader stream, every watcher on it, once its member has been without a leader for a while.
        if (view.LeaderLosses != watcher.SeenLeaderLosses && _requiresLeader)
        {
            throw RetryRules.NoLeaderError();
        }

        if (watcher.CatchUp is not null)
        {
            // Merged back as soon as the history holds everything from where the catch-up has brought the watcher.
            if (!view.Covers || view.End is not null)
            {
                return;
            }

            StopCatchUp(watcher);
        }

        if (!view.Covers)
        {
            if (view.End is { } over)
            {
                EndWatcher(watcher, over);
                return;
            }

            StartCatchUp(watcher);
            return;
        }

        int delivered;
        if (!watcher.Replayed)
        {
            watcher.Replayed = true;
            delivered = WatcherResponses.AddBatch(_toClient, watcher, view.Entries, watcher.CreatedRevision);
            if (view.Entries.Count > 0)
            {
                _hub.Metrics.HistoryReplayed();
            }
        }
        else
        {
            delivered = 0;
            foreach (var entry in view.Entries)
            {
                delivered += WatcherResponses.Add(_toClient, watcher, entry.Header, entry.Events);
            }
        }

        _hub.Metrics.EventsCoalesced(delivered);
        if (view.End is { } end)
        {
            EndWatcher(watcher, end);
            return;
        }

        watcher.Next = Math.Max(watcher.Next, view.Through + 1);
        if (view.ProgressSequence != watcher.SeenProgress)
        {
            watcher.SeenProgress = view.ProgressSequence;
            if (watcher.Request.ProgressNotify && watcher.Next > view.ProgressRevision)
            {
                _toClient.Add(new WatchResponse { Header = AtRevision(view.Header, view.ProgressRevision), WatchId = watcher.Id });
            }
        }
    }

    private static ResponseHeader AtRevision(ResponseHeader header, long revision)
    {
        var copy = header.Clone();
        copy.Revision = revision;
        return copy;
    }
}
