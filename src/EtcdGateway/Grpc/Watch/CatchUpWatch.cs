using System.Threading.Channels;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// A client watcher's own cluster watcher, for as long as it needs events older than its shared watch's history (it
/// started before the history, or its client read so slowly that the history moved past it). Its responses go to the
/// watcher's session one at a time (the next is read from the member only once the session has taken the last), so a
/// slow client holds back only this watch; the session merges the watcher back into the shared watch as soon as the
/// history covers where it stands. Created with the watcher's own credentials; it moves between members as any other.
/// </summary>
internal sealed class CatchUpWatch : IUpstreamWatchOwner, IDisposable
{
    private readonly ClientWatcher _watcher;
    private readonly ChannelWriter<SessionInput> _inbox;
    private readonly KeySpace _keys;
    private readonly CancellationToken _sessionEnded;
    private readonly UpstreamWatch _upstream;
    private long _next;

    public CatchUpWatch(MemberStreams members, KeySpace keys, ClientWatcher watcher, ChannelWriter<SessionInput> inbox, CancellationToken sessionEnded)
    {
        _watcher = watcher;
        _inbox = inbox;
        _keys = keys;
        _sessionEnded = sessionEnded;
        _next = watcher.Next;
        _upstream = new UpstreamWatch(members, watcher.Range, this);
    }

    public ClientWatcher Watcher => _watcher;

    public long ResumeRevision => Volatile.Read(ref _next);

    /// <summary>The cluster watcher's loop disposes what it holds when it ends; this is for an owner never started.</summary>
    public void Dispose() => _upstream.Dispose();

    public void Start() => _upstream.Start();

    public void Stop() => _upstream.Stop();

    public Metadata? Credentials(int attempt) => attempt == 0 ? _watcher.Credentials : null;

    public void Created(WatchResponse created)
    {
        // The client had its Created response when the watcher joined; this one is the proxy's.
    }

    public async ValueTask ReceivedAsync(WatchResponse response)
    {
        if (response.Events.Count > 0)
        {
            response = _keys.ToClient(response);
            Volatile.Write(ref _next, response.Events[^1].Kv.ModRevision + 1);
        }

        try
        {
            await _inbox.WriteAsync(new SessionInput(SessionInputKind.CatchUpResponse, CatchUp: this, Response: response), _sessionEnded);
        }
        catch (OperationCanceledException)
        {
            Stop();
        }
    }

    public void Ended(WatchResponse end) => Tell(new SessionInput(SessionInputKind.CatchUpEnded, CatchUp: this, Response: end));

    public void LeaderLost() => Tell(new SessionInput(SessionInputKind.CatchUpLeaderLost, CatchUp: this));

    public void Failed(RpcException error) => Tell(new SessionInput(SessionInputKind.CatchUpFailed, CatchUp: this, Error: error));

    private void Tell(SessionInput input) => _ = _inbox.WriteAsync(input, _sessionEnded).AsTask().ContinueWith(static _ => { }, TaskScheduler.Default);
}
