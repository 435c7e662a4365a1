using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// etcd's Watch service, coalesced: every client watcher on a range shares that range's one cluster watcher, whatever
/// revision it started at (<see cref="WatchHub"/>, <see cref="SharedWatch"/>, <see cref="EventHistory"/>), each client
/// stream a <see cref="WatchSession"/> with etcd's semantics. Keys of create requests and events pass through the key
/// space (<c>--namespace</c>).
/// </summary>
internal sealed class WatchService(WatchHub hub) : WatchApi.WatchBase
{
    private readonly WatchPermission _permission = new(hub.Members);

    public override Task Watch(IAsyncStreamReader<WatchRequest> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context) =>
        new WatchSession(hub, _permission, ForwardedCallOptions.From(context)).RunAsync(requestStream, responseStream, context.CancellationToken);
}
