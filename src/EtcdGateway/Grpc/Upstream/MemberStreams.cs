using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// What the proxy's long-lived streams (Watch, LeaseKeepAlive) need from the shared parts to outlive any one member:
/// the pick among members in rotation, each member's channel, and the connection tracker, which counts a client's stream
/// as one call for as long as it is open (descriptor budget, drain) and through which health's eject-grace ends the
/// member call under it. <paramref name="proxyStopping"/> is set when the drain begins: from then on streams end
/// rather than move.
/// </summary>
internal sealed class MemberStreams(
    EndpointPicker picker, MemberChannels channels, ConnectionTracker tracker, TimeProvider time, CancellationToken proxyStopping)
{
    public JsonLogger Logger => picker.Logger;

    public TimeProvider Time => time;

    /// <summary>Counts a client's stream in, or refuses it when the proxy holds as many calls as it allows.</summary>
    public RelayedStream Track(CancellationToken clientGone)
    {
        if (!tracker.TryReserve())
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "etcd-gateway: too many calls in flight"));
        }

        var stream = new RelayedStream(clientGone, proxyStopping);
        tracker.Add(stream);
        return stream;
    }

    public void Untrack(RelayedStream stream)
    {
        tracker.Remove(stream);
        stream.Dispose();
    }

    /// <summary>A fresh choice of members: those in rotation in the pick policy's order, then one last resort.</summary>
    public BackendSelection NewSelection() => picker.NewSelection();

    /// <summary>The invoker for calls to <paramref name="endpoint"/>.</summary>
    public CallInvoker For(Endpoint endpoint) => channels.For(endpoint);
}
