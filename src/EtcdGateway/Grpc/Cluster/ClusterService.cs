using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using ClusterApi = EtcdGateway.Protos.Etcdserverpb.Cluster;

namespace EtcdGateway.Grpc.Cluster;

/// <summary>
/// etcd's Cluster service, forwarded. etcd's proxy answers MemberList with the registered proxies (or itself) when it
/// has an advertise URL; until registration is built that flag is refused, and MemberList is the cluster's.
/// </summary>
internal sealed class ClusterService(ClusterApi.ClusterClient cluster) : ClusterApi.ClusterBase
{
    public override Task<MemberAddResponse> MemberAdd(MemberAddRequest request, ServerCallContext context) =>
        cluster.MemberAddAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberRemoveResponse> MemberRemove(MemberRemoveRequest request, ServerCallContext context) =>
        cluster.MemberRemoveAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberUpdateResponse> MemberUpdate(MemberUpdateRequest request, ServerCallContext context) =>
        cluster.MemberUpdateAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberListResponse> MemberList(MemberListRequest request, ServerCallContext context) =>
        cluster.MemberListAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<MemberPromoteResponse> MemberPromote(MemberPromoteRequest request, ServerCallContext context) =>
        cluster.MemberPromoteAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
