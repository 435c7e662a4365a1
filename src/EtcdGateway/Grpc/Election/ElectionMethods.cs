using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.V3electionpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Election;

/// <summary>Binds etcd's Election service (<c>v3electionpb.Election</c>) to <see cref="ElectionService"/>, every type known at build time.</summary>
internal sealed class ElectionMethods : IServiceMethodProvider<ElectionService>
{
    private const string Service = "v3electionpb.Election";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ElectionService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<CampaignRequest, CampaignResponse>(Service, "Campaign"), [], (s, r, c) => s.Campaign(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<ProclaimRequest, ProclaimResponse>(Service, "Proclaim"), [], (s, r, c) => s.Proclaim(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<LeaderRequest, LeaderResponse>(Service, "Leader"), [], (s, r, c) => s.Leader(r, c));
        context.AddServerStreamingMethod(
            ProtoMethods.ServerStreaming<LeaderRequest, LeaderResponse>(Service, "Observe"), [], (s, r, responses, c) => s.Observe(r, responses, c));
        context.AddUnaryMethod(ProtoMethods.Unary<ResignRequest, ResignResponse>(Service, "Resign"), [], (s, r, c) => s.Resign(r, c));
    }
}
