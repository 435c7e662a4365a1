using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// etcd's Lease service: Grant, Revoke, TimeToLive and Leases forwarded; every client's LeaseKeepAlive stream served by
/// the proxy, its keep-alives coalesced onto one stream to the cluster per set of credentials
/// (<see cref="SharedKeepAliveStreams"/>). Leases are the cluster's, not the namespace's: only the keys TimeToLive lists
/// go through the key space.
/// </summary>
internal sealed class LeaseService(LeaseApi.LeaseClient cluster, KeySpace keys, SharedKeepAliveStreams keepAlives) : LeaseApi.LeaseBase
{
    public override Task<LeaseGrantResponse> LeaseGrant(LeaseGrantRequest request, ServerCallContext context) =>
        cluster.LeaseGrantAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override async Task<LeaseRevokeResponse> LeaseRevoke(LeaseRevokeRequest request, ServerCallContext context)
    {
        var revoked = await cluster.LeaseRevokeAsync(request, ForwardedCallOptions.From(context));
        keepAlives.Revoked(request.ID);
        return revoked;
    }

    public override async Task LeaseKeepAlive(
        IAsyncStreamReader<LeaseKeepAliveRequest> requestStream, IServerStreamWriter<LeaseKeepAliveResponse> responseStream, ServerCallContext context)
    {
        var shared = keepAlives.Join(KeepAliveCredentials.Of(context.RequestHeaders));
        try
        {
            using var client = new ClientKeepAliveStream();
            await client.RunAsync(requestStream, responseStream, shared.Leases, context.CancellationToken);
        }
        finally
        {
            keepAlives.Leave(shared);
        }
    }

    public override async Task<LeaseTimeToLiveResponse> LeaseTimeToLive(LeaseTimeToLiveRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.LeaseTimeToLiveAsync(request, ForwardedCallOptions.From(context)));

    public override Task<LeaseLeasesResponse> LeaseLeases(LeaseLeasesRequest request, ServerCallContext context) =>
        cluster.LeaseLeasesAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
