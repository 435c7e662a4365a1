using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf.Reflection;
using ElectionApi = EtcdGateway.Protos.V3electionpb.Election;
using LockApi = EtcdGateway.Protos.V3lockpb.Lock;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>The services the proxy serves, as their descriptors list them: what <see cref="GrpcServerMetrics"/> makes counters for up front.</summary>
internal static class EtcdServices
{
    public static IReadOnlyList<ServiceDescriptor> Descriptors { get; } =
    [
        KV.Descriptor, Watch.Descriptor, Lease.Descriptor, Cluster.Descriptor, Maintenance.Descriptor, Auth.Descriptor,
        LockApi.Descriptor, ElectionApi.Descriptor,
    ];
}
