using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// etcd's Lease service, forwarded; LeaseKeepAlive as one member stream per client stream. Leases are the cluster's, not
/// the namespace's: only the keys TimeToLive lists go through the key space.
/// </summary>
internal sealed class LeaseService(LeaseApi.LeaseClient cluster, KeySpace keys) : LeaseApi.LeaseBase
{
    public override Task<LeaseGrantResponse> LeaseGrant(LeaseGrantRequest request, ServerCallContext context) =>
        cluster.LeaseGrantAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<LeaseRevokeResponse> LeaseRevoke(LeaseRevokeRequest request, ServerCallContext context) =>
        cluster.LeaseRevokeAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override async Task LeaseKeepAlive(
        IAsyncStreamReader<LeaseKeepAliveRequest> requestStream, IServerStreamWriter<LeaseKeepAliveResponse> responseStream, ServerCallContext context)
    {
        using var member = cluster.LeaseKeepAlive(ForwardedCallOptions.From(context));
        await StreamRelay.DuplexAsync(member, requestStream, responseStream, context.CancellationToken);
    }

    public override async Task<LeaseTimeToLiveResponse> LeaseTimeToLive(LeaseTimeToLiveRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.LeaseTimeToLiveAsync(request, ForwardedCallOptions.From(context)));

    public override Task<LeaseLeasesResponse> LeaseLeases(LeaseLeasesRequest request, ServerCallContext context) =>
        cluster.LeaseLeasesAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
