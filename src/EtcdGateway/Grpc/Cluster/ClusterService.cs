using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Registration;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using ClusterApi = EtcdGateway.Protos.Etcdserverpb.Cluster;

namespace EtcdGateway.Grpc.Cluster;

/// <summary>
/// etcd's Cluster service, forwarded, except MemberList when the proxy has an advertise URL: then, as etcd's proxy does,
/// it answers the registered proxies or itself (<see cref="ProxyMemberList"/>), since those are what a client should
/// connect to. MemberPromote is forwarded (etcd's proxy leaves it unimplemented).
/// </summary>
internal sealed class ClusterService(ClusterApi.ClusterClient cluster, ProxyMemberList? proxyMembers) : ClusterApi.ClusterBase
{
    public override Task<MemberAddResponse> MemberAdd(MemberAddRequest request, ServerCallContext context) =>
        cluster.MemberAddAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberRemoveResponse> MemberRemove(MemberRemoveRequest request, ServerCallContext context) =>
        cluster.MemberRemoveAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberUpdateResponse> MemberUpdate(MemberUpdateRequest request, ServerCallContext context) =>
        cluster.MemberUpdateAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberListResponse> MemberList(MemberListRequest request, ServerCallContext context) =>
        proxyMembers is null
            ? cluster.MemberListAsync(request, ForwardedCallOptions.From(context)).ResponseAsync
            : proxyMembers.ListAsync(request, context.CancellationToken);

    public override Task<MemberPromoteResponse> MemberPromote(MemberPromoteRequest request, ServerCallContext context) =>
        cluster.MemberPromoteAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
