using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// etcd's Lease service, forwarded; each LeaseKeepAlive stream relayed to one member at a time and moved when that member
/// fails, with the keep-alives it had not answered sent again (<see cref="KeepAliveStreamState"/>). Leases are the
/// cluster's, not the namespace's: only the keys TimeToLive lists go through the key space.
/// </summary>
internal sealed class LeaseService(LeaseApi.LeaseClient cluster, KeySpace keys, MemberStreams members) : LeaseApi.LeaseBase
{
    private const string KeepAliveMethod = "/etcdserverpb.Lease/LeaseKeepAlive";

    public override Task<LeaseGrantResponse> LeaseGrant(LeaseGrantRequest request, ServerCallContext context) =>
        cluster.LeaseGrantAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<LeaseRevokeResponse> LeaseRevoke(LeaseRevokeRequest request, ServerCallContext context) =>
        cluster.LeaseRevokeAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task LeaseKeepAlive(
        IAsyncStreamReader<LeaseKeepAliveRequest> requestStream, IServerStreamWriter<LeaseKeepAliveResponse> responseStream, ServerCallContext context) =>
        new MovableStreamRelay<LeaseKeepAliveRequest, LeaseKeepAliveResponse>(
            members, KeepAliveMethod, OpenKeepAlive, new KeepAliveStreamState(), Unchanged, Unchanged).RunAsync(requestStream, responseStream, context);

    public override async Task<LeaseTimeToLiveResponse> LeaseTimeToLive(LeaseTimeToLiveRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.LeaseTimeToLiveAsync(request, ForwardedCallOptions.From(context)));

    public override Task<LeaseLeasesResponse> LeaseLeases(LeaseLeasesRequest request, ServerCallContext context) =>
        cluster.LeaseLeasesAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    private static AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> OpenKeepAlive(CallInvoker member, CallOptions options) =>
        new LeaseApi.LeaseClient(member).LeaseKeepAlive(options);

    private static T Unchanged<T>(T message) => message;
}
