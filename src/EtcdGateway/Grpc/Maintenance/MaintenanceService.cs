using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using MaintenanceApi = EtcdGateway.Protos.Etcdserverpb.Maintenance;

namespace EtcdGateway.Grpc.Maintenance;

/// <summary>
/// etcd's Maintenance service, forwarded. Calls about one member (Status, Defragment, Hash, HashKV, Snapshot, Alarm) go to
/// whichever member the pick chooses, as through etcd's proxy; the response header says which one answered.
/// </summary>
internal sealed class MaintenanceService(MaintenanceApi.MaintenanceClient cluster) : MaintenanceApi.MaintenanceBase
{
    public override Task<AlarmResponse> Alarm(AlarmRequest request, ServerCallContext context) =>
        cluster.AlarmAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<StatusResponse> Status(StatusRequest request, ServerCallContext context) =>
        cluster.StatusAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<DefragmentResponse> Defragment(DefragmentRequest request, ServerCallContext context) =>
        cluster.DefragmentAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<HashResponse> Hash(HashRequest request, ServerCallContext context) =>
        cluster.HashAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<HashKVResponse> HashKV(HashKVRequest request, ServerCallContext context) =>
        cluster.HashKVAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override async Task Snapshot(SnapshotRequest request, IServerStreamWriter<SnapshotResponse> responseStream, ServerCallContext context)
    {
        using var member = cluster.Snapshot(request, ForwardedCallOptions.From(context));
        await StreamRelay.ServerStreamAsync(member.ResponseStream, responseStream, context.CancellationToken);
    }

    public override Task<MoveLeaderResponse> MoveLeader(MoveLeaderRequest request, ServerCallContext context) =>
        cluster.MoveLeaderAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<DowngradeResponse> Downgrade(DowngradeRequest request, ServerCallContext context) =>
        cluster.DowngradeAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
