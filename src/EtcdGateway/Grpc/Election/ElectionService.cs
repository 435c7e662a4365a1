using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.V3electionpb;
using Grpc.Core;
using ElectionApi = EtcdGateway.Protos.V3electionpb.Election;

namespace EtcdGateway.Grpc.Election;

/// <summary>
/// etcd's v3election service, forwarded; Observe as a member stream passed to the client. Election names and leader keys
/// are keys like any other, in the key space (etcd's proxy leaves them outside its namespace).
/// </summary>
internal sealed class ElectionService(ElectionApi.ElectionClient cluster, KeySpace keys) : ElectionApi.ElectionBase
{
    public override async Task<CampaignResponse> Campaign(CampaignRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.CampaignAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override Task<ProclaimResponse> Proclaim(ProclaimRequest request, ServerCallContext context) =>
        cluster.ProclaimAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)).ResponseAsync;

    public override async Task<LeaderResponse> Leader(LeaderRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.LeaderAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override async Task Observe(LeaderRequest request, IServerStreamWriter<LeaderResponse> responseStream, ServerCallContext context)
    {
        using var member = cluster.Observe(keys.ToCluster(request), ForwardedCallOptions.From(context));
        await StreamRelay.ServerStreamAsync(member.ResponseStream, responseStream, keys.ToClient, context.CancellationToken);
    }

    public override Task<ResignResponse> Resign(ResignRequest request, ServerCallContext context) =>
        cluster.ResignAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)).ResponseAsync;
}
