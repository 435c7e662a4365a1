using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// One call forwarded to the cluster, as the shared connection tracker sees it: the member it is on, and a way to end
/// it. The tracker ends calls on a member that health took out of rotation (after <c>--eject-grace</c>) and every call
/// left when <c>--drain-timeout</c> runs out; the client then gets Unavailable, which etcd's clients retry (a watch
/// resumes on another member), rather than Cancelled, which they would take as final.
/// </summary>
internal sealed class TrackedCall : ITrackedConnection, IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private CancellationTokenSource? _movableAttempt;
    private Endpoint? _endpoint;
    private int _aborted;

    public TrackedCall(CancellationToken clientGone)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
    }

    /// <summary>
    /// The member the call is on now (the last one tried). The member's active count follows the call, as it follows a
    /// relayed connection in the L4 gateway, so least-connections and power-of-two-choices see the calls each member holds.
    /// </summary>
    public Endpoint? Endpoint
    {
        get => Volatile.Read(ref _endpoint);
        set
        {
            var previous = Interlocked.Exchange(ref _endpoint, value);
            if (!ReferenceEquals(previous, value))
            {
                previous?.Stats.ConnectionClosed();
                value?.Stats.ConnectionOpened();
            }
        }
    }

    /// <summary>Cancelled when the client goes away or the proxy ends the call: what the upstream call listens to.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The proxy ended the call (not the client, not the member).</summary>
    public bool WasAborted => Volatile.Read(ref _aborted) != 0;

    /// <summary>What the client is told when the proxy ended the call.</summary>
    public RpcException AbortedError() => new(new Status(StatusCode.Unavailable,
        $"etcd-gateway: the gRPC proxy ended the call on {Endpoint?.Name ?? "a member"}: the member left rotation or the proxy is shutting down; retry"));

    /// <summary>
    /// The token for the next attempt. A <paramref name="movable"/> attempt (a read that may be asked again of another
    /// member) gets its own, cancelled when its member leaves rotation so that the call moves on at once instead of
    /// waiting on a hung member for the eject grace; any other attempt listens to the call's token.
    /// </summary>
    public CancellationToken BeginAttempt(bool movable)
    {
        var next = movable ? CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token) : null;
        Interlocked.Exchange(ref _movableAttempt, next)?.Dispose();
        return next?.Token ?? _cancel.Token;
    }

    public void LeftRotation()
    {
        try
        {
            Volatile.Read(ref _movableAttempt)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended meanwhile: nothing to move.
        }
    }

    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished while the tracker was ending it: nothing left to end.
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _endpoint, null)?.Stats.ConnectionClosed();
        Interlocked.Exchange(ref _movableAttempt, null)?.Dispose();
        _cancel.Dispose();
    }
}
