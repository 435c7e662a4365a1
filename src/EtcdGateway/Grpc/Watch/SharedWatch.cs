using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One cluster watcher shared by every client watcher on the same range (etcd's <c>watchBroadcast</c>, Kubernetes'
/// cacher): what it receives goes into a bounded <see cref="EventHistory"/>, and each client watcher reads from there at
/// its own pace, from its own revision, through its own session; the shared watch never waits for any of them. When its
/// member fails, the watcher is created again elsewhere from the revision after the last one in the history, so no
/// client watcher sees a gap or a repeat. Its credentials are those of any client watcher still attached, tried in turn.
/// </summary>
internal sealed class SharedWatch : IUpstreamWatchOwner, IDisposable
{
    private readonly System.Threading.Lock _gate = new();
    private readonly EventHistory _history;
    private readonly List<IWatchSubscriber> _subscribers = [];
    private readonly UpstreamWatch _upstream;
    private readonly KeySpace _keys;
    private readonly WatchCoalescingMetrics _metrics;

    /// <summary>Tickets of progress requests sent on the current stream, answered in order.</summary>
    private readonly Queue<long> _progressInFlight = new();

    private readonly TaskCompletionSource<ResponseHeader?> _firstCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ResponseHeader _header = new();
    private WatchResponse? _end;
    private RpcException? _failure;
    private bool _synced;
    private long _progressSequence;
    private long _progressRevision;
    private long _progressAsked;
    private long _progressAnswered;
    private long _leaderLosses;

    public SharedWatch(WatchRange range, long startRevision, MemberStreams members, KeySpace keys, WatchHistoryLimits limits, WatchCoalescingMetrics metrics)
    {
        Range = range;
        _history = new EventHistory(startRevision, limits);
        _keys = keys;
        _metrics = metrics;
        _upstream = new UpstreamWatch(members, range, this);
    }

    public WatchRange Range { get; }

    /// <summary>The header of the member that first created the cluster watcher; null if the watch ended first.</summary>
    public Task<ResponseHeader?> FirstCreated => _firstCreated.Task;

    public long ResumeRevision
    {
        get
        {
            lock (_gate)
            {
                return _history.Through + 1;
            }
        }
    }

    /// <summary>Whether the cluster ended the watch (a new client watcher must not join it).</summary>
    public bool Over
    {
        get
        {
            lock (_gate)
            {
                return _end is not null || _failure is not null;
            }
        }
    }

    /// <summary>The cluster watcher's loop disposes what it holds when it ends; this is for an owner never started.</summary>
    public void Dispose() => _upstream.Dispose();

    public void Start()
    {
        _metrics.ClusterWatchersChanged(1);
        _upstream.Start();
    }

    public void Stop()
    {
        _metrics.ClusterWatchersChanged(-1);
        _upstream.Stop();
    }

    /// <summary>Attaches a client watcher; false when the watch is over. The caller (the hub) serialises joins and leaves.</summary>
    public bool TryAdd(IWatchSubscriber subscriber, out int count)
    {
        lock (_gate)
        {
            count = _subscribers.Count;
            if (_end is not null || _failure is not null)
            {
                return false;
            }

            _subscribers.Add(subscriber);
            count++;
            return true;
        }
    }

    /// <summary>Detaches a client watcher; how many are left.</summary>
    public int Remove(IWatchSubscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscriber);
            return _subscribers.Count;
        }
    }

    /// <summary>What a client watcher needing every event from <paramref name="next"/> on can have now.</summary>
    public SharedWatchView Read(long next)
    {
        lock (_gate)
        {
            var covers = _history.Covers(next);
            return new SharedWatchView(
                covers ? _history.From(next) : [], covers, _history.Through, _header, _progressSequence, _progressRevision, _progressAnswered, _leaderLosses, _end, _failure);
        }
    }

    /// <summary>
    /// Asks the member where the store stands, for a client's progress request; the ticket to wait for in
    /// <see cref="SharedWatchView.ProgressAnswered"/>. One answer serves every request made before it was sent.
    /// </summary>
    public long AskProgress()
    {
        lock (_gate)
        {
            var ticket = ++_progressAsked;
            if (_upstream.RequestProgress())
            {
                _progressInFlight.Enqueue(ticket);
            }

            return ticket;
        }
    }

    public Metadata? Credentials(int attempt)
    {
        lock (_gate)
        {
            return attempt < _subscribers.Count ? _subscribers[attempt].Credentials : null;
        }
    }

    public void Created(WatchResponse created)
    {
        lock (_gate)
        {
            _header = created.Header ?? _header;
            _firstCreated.TrySetResult(_header);

            // Requests sent on a stream that failed are lost with it: ask once more for all of them.
            _progressInFlight.Clear();
            if (_progressAsked > _progressAnswered && _upstream.RequestProgress())
            {
                _progressInFlight.Enqueue(_progressAsked);
            }
        }
    }

    public ValueTask ReceivedAsync(WatchResponse response)
    {
        var revision = response.Header?.Revision ?? 0;
        if (response.Events.Count > 0)
        {
            response = _keys.ToClient(response);
        }

        lock (_gate)
        {
            _header = response.Header ?? _header;
            if (response.Events.Count > 0)
            {
                // After a move the member starts where the history ends; anything older is already held.
                var fresh = response.Events.Where(e => e.Kv.ModRevision > _history.Through).ToList();
                if (fresh.Count == 0)
                {
                    return ValueTask.CompletedTask;
                }

                var entry = new HistoryEntry(response.Header ?? _header, fresh);
                _history.Append(entry);

                // A live watcher's events come at the revision they were written at; a catch-up batch at a newer one.
                _synced = revision == entry.LastRevision;
            }
            else if (response.WatchId == WatchMessages.InvalidWatchId)
            {
                // The answer to a progress request, for the stream: counts only once the watcher is known to be caught up
                // (etcd before 3.5.8 answers at once, ahead of events it still holds for a watcher that fell behind).
                if (_synced)
                {
                    _history.AdvanceTo(revision);
                }

                if (_progressInFlight.TryDequeue(out var ticket))
                {
                    _progressAnswered = Math.Max(_progressAnswered, ticket);
                }
            }
            else
            {
                // The watcher's own progress notification: etcd sends it only once the watcher is caught up.
                _synced = true;
                _history.AdvanceTo(revision);
                _progressSequence++;
                _progressRevision = revision;
            }
        }

        WakeAll();
        return ValueTask.CompletedTask;
    }

    public void LeaderLost()
    {
        lock (_gate)
        {
            _leaderLosses++;
        }

        WakeAll();
    }

    public void Ended(WatchResponse end)
    {
        lock (_gate)
        {
            _end = end;
        }

        _firstCreated.TrySetResult(null);

        WakeAll();
    }

    public void Failed(RpcException error)
    {
        lock (_gate)
        {
            _failure = error;
        }

        _firstCreated.TrySetResult(null);

        WakeAll();
    }

    private void WakeAll()
    {
        IWatchSubscriber[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Wake();
        }
    }
}
