namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// The methods the proxy serves, in the order etcd's protos declare them: what <see cref="GrpcServerMetrics"/> makes
/// counters for up front. Written out rather than read from the generated descriptors: building those (every proto file's
/// descriptor, from its serialised form) took about a tenth of the proxy's start. A unit test checks this list against
/// the descriptors.
/// </summary>
internal static class EtcdServices
{
    public static IReadOnlyList<ServedMethod> Methods { get; } =
    [
        new("etcdserverpb.KV", "Range", GrpcMethodTypes.Unary),
        new("etcdserverpb.KV", "Put", GrpcMethodTypes.Unary),
        new("etcdserverpb.KV", "DeleteRange", GrpcMethodTypes.Unary),
        new("etcdserverpb.KV", "Txn", GrpcMethodTypes.Unary),
        new("etcdserverpb.KV", "Compact", GrpcMethodTypes.Unary),
        new("etcdserverpb.Watch", "Watch", GrpcMethodTypes.BidiStream),
        new("etcdserverpb.Lease", "LeaseGrant", GrpcMethodTypes.Unary),
        new("etcdserverpb.Lease", "LeaseRevoke", GrpcMethodTypes.Unary),
        new("etcdserverpb.Lease", "LeaseKeepAlive", GrpcMethodTypes.BidiStream),
        new("etcdserverpb.Lease", "LeaseTimeToLive", GrpcMethodTypes.Unary),
        new("etcdserverpb.Lease", "LeaseLeases", GrpcMethodTypes.Unary),
        new("etcdserverpb.Cluster", "MemberAdd", GrpcMethodTypes.Unary),
        new("etcdserverpb.Cluster", "MemberRemove", GrpcMethodTypes.Unary),
        new("etcdserverpb.Cluster", "MemberUpdate", GrpcMethodTypes.Unary),
        new("etcdserverpb.Cluster", "MemberList", GrpcMethodTypes.Unary),
        new("etcdserverpb.Cluster", "MemberPromote", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "Alarm", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "Status", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "Defragment", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "Hash", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "HashKV", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "Snapshot", GrpcMethodTypes.ServerStream),
        new("etcdserverpb.Maintenance", "MoveLeader", GrpcMethodTypes.Unary),
        new("etcdserverpb.Maintenance", "Downgrade", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "AuthEnable", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "AuthDisable", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "AuthStatus", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "Authenticate", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserAdd", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserGet", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserList", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserDelete", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserChangePassword", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserGrantRole", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "UserRevokeRole", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "RoleAdd", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "RoleGet", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "RoleList", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "RoleDelete", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "RoleGrantPermission", GrpcMethodTypes.Unary),
        new("etcdserverpb.Auth", "RoleRevokePermission", GrpcMethodTypes.Unary),
        new("v3lockpb.Lock", "Lock", GrpcMethodTypes.Unary),
        new("v3lockpb.Lock", "Unlock", GrpcMethodTypes.Unary),
        new("v3electionpb.Election", "Campaign", GrpcMethodTypes.Unary),
        new("v3electionpb.Election", "Proclaim", GrpcMethodTypes.Unary),
        new("v3electionpb.Election", "Leader", GrpcMethodTypes.Unary),
        new("v3electionpb.Election", "Observe", GrpcMethodTypes.ServerStream),
        new("v3electionpb.Election", "Resign", GrpcMethodTypes.Unary),
    ];
}
