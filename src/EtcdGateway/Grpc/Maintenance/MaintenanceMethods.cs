using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Maintenance;

/// <summary>Binds etcd's Maintenance service (<c>etcdserverpb.Maintenance</c>) to <see cref="MaintenanceService"/>, every type known at build time.</summary>
internal sealed class MaintenanceMethods : IServiceMethodProvider<MaintenanceService>
{
    private const string Service = "etcdserverpb.Maintenance";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<MaintenanceService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<AlarmRequest, AlarmResponse>(Service, "Alarm"), [], (s, r, c) => s.Alarm(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<StatusRequest, StatusResponse>(Service, "Status"), [], (s, r, c) => s.Status(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<DefragmentRequest, DefragmentResponse>(Service, "Defragment"), [], (s, r, c) => s.Defragment(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<HashRequest, HashResponse>(Service, "Hash"), [], (s, r, c) => s.Hash(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<HashKVRequest, HashKVResponse>(Service, "HashKV"), [], (s, r, c) => s.HashKV(r, c));
        context.AddServerStreamingMethod(
            ProtoMethods.ServerStreaming<SnapshotRequest, SnapshotResponse>(Service, "Snapshot"), [], (s, r, responses, c) => s.Snapshot(r, responses, c));
        context.AddUnaryMethod(ProtoMethods.Unary<MoveLeaderRequest, MoveLeaderResponse>(Service, "MoveLeader"), [], (s, r, c) => s.MoveLeader(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<DowngradeRequest, DowngradeResponse>(Service, "Downgrade"), [], (s, r, c) => s.Downgrade(r, c));
    }
}
