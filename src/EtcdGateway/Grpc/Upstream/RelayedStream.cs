using EtcdGateway.Endpoints;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// A client's long-lived stream (Watch, LeaseKeepAlive) as the connection tracker sees it: one tracked call for as long
/// as the client keeps it open, on whichever member it is relayed to at the moment. Ending it (health's eject-grace, the
/// drain's deadline) ends only the current member's call; the relay then moves the client's stream to another member,
/// or ends it when the proxy is shutting down. The stream counts on the member it is on and moves with it, so the
/// load-aware pick policies see the streams each member holds.
/// </summary>
internal sealed class RelayedStream(CancellationToken clientGone, CancellationToken proxyStopping) : ITrackedConnection, IDisposable
{
    private MemberCall? _current;

    /// <summary>The member the stream is relayed to now (eject-grace finds streams by it).</summary>
    public Endpoint? Endpoint => Volatile.Read(ref _current)?.Endpoint;

    /// <summary>The proxy is draining: a stream whose member call ends is ended too, not moved.</summary>
    public bool ProxyStopping => proxyStopping.IsCancellationRequested;

    /// <summary>Whether the proxy itself ended the current member call (<see cref="Abort"/>), rather than the member.</summary>
    public bool CurrentCallEnded => Volatile.Read(ref _current)?.Ended ?? false;

    /// <summary>The stream is now relayed to <paramref name="endpoint"/>; the token ends that member's call.</summary>
    public CancellationToken StartMemberCall(Endpoint endpoint)
    {
        var next = new MemberCall(endpoint, CancellationTokenSource.CreateLinkedTokenSource(clientGone));
        Interlocked.Exchange(ref _current, next)?.Dispose();
        return next.Token;
    }

    /// <summary>Ends the current member call (safe from any thread, more than once); the client's stream stays open.</summary>
    public void Abort() => Volatile.Read(ref _current)?.End();

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Dispose();

    /// <summary>One member's call of the stream and what ends it; counted on the member while it lasts.</summary>
    private sealed class MemberCall : IDisposable
    {
        private readonly Endpoint _endpoint;
        private readonly CancellationTokenSource _cancel;
        private int _ended;

        public MemberCall(Endpoint endpoint, CancellationTokenSource cancel)
        {
            _endpoint = endpoint;
            _cancel = cancel;
            endpoint.Stats.ConnectionOpened();
        }

        public Endpoint Endpoint => _endpoint;

        public CancellationToken Token => _cancel.Token;

        public bool Ended => Volatile.Read(ref _ended) != 0;

        public void End()
        {
            Volatile.Write(ref _ended, 1);
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream moved on meanwhile: nothing left to end.
            }
        }

        public void Dispose()
        {
            _endpoint.Stats.ConnectionClosed();
            _cancel.Dispose();
        }
    }
}
