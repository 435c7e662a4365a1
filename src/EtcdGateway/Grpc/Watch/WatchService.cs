using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// etcd's Watch service: each client stream relayed to one member at a time and moved, watchers and all, when that member
/// fails (<see cref="WatchStreamState"/>); etcd's semantics otherwise unchanged (client watch ids, Created with the
/// member's revision, cancels, compaction, progress requests, fragments, filters, prev_kv, <c>hasleader</c>, a
/// half-closed client side). Keys of create requests and events pass through the key space (<c>--namespace</c>).
/// Coalescing watchers onto shared member streams belongs here, later, behind the same service.
/// </summary>
internal sealed class WatchService(MemberStreams members, KeySpace keys) : WatchApi.WatchBase
{
    private const string Method = "/etcdserverpb.Watch/Watch";

    public override Task Watch(IAsyncStreamReader<WatchRequest> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context) =>
        new MovableStreamRelay<WatchRequest, WatchResponse>(members, Method, Open, new WatchStreamState(), keys.ToCluster, keys.ToClient)
            .RunAsync(requestStream, responseStream, context);

    private static AsyncDuplexStreamingCall<WatchRequest, WatchResponse> Open(CallInvoker member, CallOptions options) =>
        new WatchApi.WatchClient(member).Watch(options);
}
