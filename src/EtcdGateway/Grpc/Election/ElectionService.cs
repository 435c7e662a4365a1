using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.V3electionpb;
using Grpc.Core;
using ElectionApi = EtcdGateway.Protos.V3electionpb.Election;

namespace EtcdGateway.Grpc.Election;

/// <summary>etcd's v3election service (etcdctl elect), forwarded; Observe as a member stream passed to the client.</summary>
internal sealed class ElectionService(ElectionApi.ElectionClient cluster) : ElectionApi.ElectionBase
{
    public override Task<CampaignResponse> Campaign(CampaignRequest request, ServerCallContext context) =>
        cluster.CampaignAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<ProclaimResponse> Proclaim(ProclaimRequest request, ServerCallContext context) =>
        cluster.ProclaimAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<LeaderResponse> Leader(LeaderRequest request, ServerCallContext context) =>
        cluster.LeaderAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override async Task Observe(LeaderRequest request, IServerStreamWriter<LeaderResponse> responseStream, ServerCallContext context)
    {
        using var member = cluster.Observe(request, ForwardedCallOptions.From(context));
        await StreamRelay.ServerStreamAsync(member.ResponseStream, responseStream, context.CancellationToken);
    }

    public override Task<ResignResponse> Resign(ResignRequest request, ServerCallContext context) =>
        cluster.ResignAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
