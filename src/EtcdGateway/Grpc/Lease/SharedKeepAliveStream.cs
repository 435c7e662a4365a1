using System.Threading.Channels;
using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// The one LeaseKeepAlive stream to the cluster that the keep-alives of every client with the same credentials share:
/// <code>
/// client streams ──► Leases (coalesce per lease) ──► renewal ──► one stream to a member
/// client streams ◄── Leases (answer by lease ID)  ◄── answer  ◄──┘ (moved when the member fails)
/// </code>
/// Relayed as a client's own stream is (<see cref="MovableStreamRelay{TRequest, TResponse}"/>): health taking its member
/// out of rotation or the member dying moves it to another, and the renewals it had not answered are sent again there.
/// Opened on the first renewal; when it ends with an error that is not the member's (a refusal, no member at all, the
/// proxy stopping) the clients waiting on it get that error, and the next renewal opens it anew.
/// </summary>
internal sealed class SharedKeepAliveStream : IDisposable
{
    private const string KeepAliveMethod = "/etcdserverpb.Lease/LeaseKeepAlive";

    private readonly MemberStreams _members;
    private readonly KeepAliveCredentials _credentials;
    private readonly LeaseKeepAliveMetrics _metrics;
    private readonly System.Threading.Lock _gate = new();
    private readonly CancellationTokenSource _closed = new();

    /// <summary>The renewals for the relay running now, or null when none runs.</summary>
    private Channel<LeaseKeepAliveRequest>? _renewals;

    public SharedKeepAliveStream(MemberStreams members, KeepAliveCredentials credentials, LeaseKeepAliveMetrics metrics)
    {
        _members = members;
        _credentials = credentials;
        _metrics = metrics;
        Leases = new LeaseRenewalCoalescer(members.Time, Renew, metrics);
    }

    /// <summary>Where the clients' keep-alives go.</summary>
    public LeaseRenewalCoalescer Leases { get; }

    /// <summary>Client streams using this one now; changed by <see cref="SharedKeepAliveStreams"/> under its lock.</summary>
    public int Clients { get; set; }

    /// <summary>Ends the stream to the cluster; its clients are all gone.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _closed.Cancel();
            _renewals?.Writer.TryComplete();
            _renewals = null;
        }

        Leases.Clear();
    }

    private void Renew(long lease)
    {
        lock (_gate)
        {
            if (_closed.IsCancellationRequested)
            {
                Leases.Failed(Closed());
                return;
            }

            if (_renewals is null)
            {
                _renewals = Channel.CreateUnbounded<LeaseKeepAliveRequest>(new UnboundedChannelOptions { SingleReader = true });
                _ = RunAsync(_renewals);
            }

            _renewals.Writer.TryWrite(new LeaseKeepAliveRequest { ID = lease });
        }
    }

    private async Task RunAsync(Channel<LeaseKeepAliveRequest> renewals)
    {
        // Not on the caller's thread: it holds the gate.
        await Task.Yield();
        _metrics.ClusterStreamsChanged(1);
        RpcException error;
        try
        {
            var relay = new MovableStreamRelay<LeaseKeepAliveRequest, LeaseKeepAliveResponse>(
                _members, KeepAliveMethod, Open, new KeepAliveStreamState(), Unchanged, Unchanged);
            await relay.RunAsync(
                new ChannelStreamReader<LeaseKeepAliveRequest>(renewals.Reader),
                new CallbackStreamWriter<LeaseKeepAliveResponse>(Leases.Answered),
                new ProxyCallContext(KeepAliveMethod, _credentials.ToHeaders(), _closed.Token));
            error = Closed();
        }
        catch (RpcException e)
        {
            error = e;
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            error = Closed();
        }
        catch (Exception e)
        {
            error = new RpcException(new Status(StatusCode.Unavailable, $"etcd-gateway: the keep-alive stream to the cluster failed: {e.Message}", e));
        }
        finally
        {
            _metrics.ClusterStreamsChanged(-1);
        }

        if (!_closed.IsCancellationRequested)
        {
            _members.Logger.Warn("keep-alive stream to the cluster ended; clients waiting on it get its error", [LogField.Error(error)]);
        }

        // Under the gate, so that a renewal either went to this relay (and its client gets the error now) or opens the next.
        lock (_gate)
        {
            if (_renewals == renewals)
            {
                _renewals = null;
            }

            renewals.Writer.TryComplete();
            Leases.Failed(error);
        }
    }

    private static RpcException Closed() =>
        new(new Status(StatusCode.Unavailable, "etcd-gateway: the keep-alive stream to the cluster was closed; retry"));

    private static AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> Open(CallInvoker member, CallOptions options) =>
        new LeaseApi.LeaseClient(member).LeaseKeepAlive(options);

    private static T Unchanged<T>(T message) => message;
}
