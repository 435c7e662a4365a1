using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Watch;

/// <summary>Binds etcd's Watch service (<c>etcdserverpb.Watch</c>) to <see cref="WatchService"/>, every type known at build time.</summary>
internal sealed class WatchMethods : IServiceMethodProvider<WatchService>
{
    private const string Service = "etcdserverpb.Watch";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<WatchService> context) =>
        context.AddDuplexStreamingMethod(
            ProtoMethods.DuplexStreaming<WatchRequest, WatchResponse>(Service, "Watch"), [], (s, requests, responses, c) => s.Watch(requests, responses, c));
}
