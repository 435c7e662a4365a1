using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Cluster;

/// <summary>Binds etcd's Cluster service (<c>etcdserverpb.Cluster</c>) to <see cref="ClusterService"/>, every type known at build time.</summary>
internal sealed class ClusterMethods : IServiceMethodProvider<ClusterService>
{
    private const string Service = "etcdserverpb.Cluster";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ClusterService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<MemberAddRequest, MemberAddResponse>(Service, "MemberAdd"), [], (s, r, c) => s.MemberAdd(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<MemberRemoveRequest, MemberRemoveResponse>(Service, "MemberRemove"), [], (s, r, c) => s.MemberRemove(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<MemberUpdateRequest, MemberUpdateResponse>(Service, "MemberUpdate"), [], (s, r, c) => s.MemberUpdate(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<MemberListRequest, MemberListResponse>(Service, "MemberList"), [], (s, r, c) => s.MemberList(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<MemberPromoteRequest, MemberPromoteResponse>(Service, "MemberPromote"), [], (s, r, c) => s.MemberPromote(r, c));
    }
}
