using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// etcd's Watch service, forwarded as it is: one member stream per client stream, every request (create with the
/// client's own watch ids, cancel, progress) and response passed unchanged, a half-closed client side passed on.
/// Coalescing watchers onto shared member streams belongs here, later, behind the same service. Keys of create requests
/// and events pass through the key space (<c>--namespace</c>).
/// </summary>
internal sealed class WatchService(WatchApi.WatchClient cluster, KeySpace keys) : WatchApi.WatchBase
{
    public override async Task Watch(IAsyncStreamReader<WatchRequest> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
    {
        using var member = cluster.Watch(ForwardedCallOptions.From(context));
        await StreamRelay.DuplexAsync(member, requestStream, keys.ToCluster, responseStream, keys.ToClient, context.CancellationToken);
    }
}
