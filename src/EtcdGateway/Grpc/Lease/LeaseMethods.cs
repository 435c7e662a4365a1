using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Lease;

/// <summary>Binds etcd's Lease service (<c>etcdserverpb.Lease</c>) to <see cref="LeaseService"/>, every type known at build time.</summary>
internal sealed class LeaseMethods : IServiceMethodProvider<LeaseService>
{
    private const string Service = "etcdserverpb.Lease";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<LeaseService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<LeaseGrantRequest, LeaseGrantResponse>(Service, "LeaseGrant"), [], (s, r, c) => s.LeaseGrant(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<LeaseRevokeRequest, LeaseRevokeResponse>(Service, "LeaseRevoke"), [], (s, r, c) => s.LeaseRevoke(r, c));
        context.AddDuplexStreamingMethod(
            ProtoMethods.DuplexStreaming<LeaseKeepAliveRequest, LeaseKeepAliveResponse>(Service, "LeaseKeepAlive"), [], (s, requests, responses, c) => s.LeaseKeepAlive(requests, responses, c));
        context.AddUnaryMethod(ProtoMethods.Unary<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>(Service, "LeaseTimeToLive"), [], (s, r, c) => s.LeaseTimeToLive(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<LeaseLeasesRequest, LeaseLeasesResponse>(Service, "LeaseLeases"), [], (s, r, c) => s.LeaseLeases(r, c));
    }
}
