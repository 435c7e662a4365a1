using Google.Protobuf.Reflection;
using AuthApi = EtcdGateway.Protos.Etcdserverpb.Auth;
using ClusterApi = EtcdGateway.Protos.Etcdserverpb.Cluster;
using ElectionApi = EtcdGateway.Protos.V3electionpb.Election;
using KvApi = EtcdGateway.Protos.Etcdserverpb.KV;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;
using LockApi = EtcdGateway.Protos.V3lockpb.Lock;
using MaintenanceApi = EtcdGateway.Protos.Etcdserverpb.Maintenance;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>The services the proxy serves, as their descriptors list them: what <see cref="GrpcServerMetrics"/> makes counters for up front.</summary>
internal static class EtcdServices
{
    public static IReadOnlyList<ServiceDescriptor> Descriptors { get; } =
    [
        KvApi.Descriptor, WatchApi.Descriptor, LeaseApi.Descriptor, ClusterApi.Descriptor, MaintenanceApi.Descriptor, AuthApi.Descriptor,
        LockApi.Descriptor, ElectionApi.Descriptor,
    ];
}
