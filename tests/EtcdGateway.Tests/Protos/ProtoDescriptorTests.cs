using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using KeyValue = EtcdGateway.Protos.Mvccpb.KeyValue;
using LockService = EtcdGateway.Protos.V3lockpb.Lock;

namespace EtcdGateway.Tests.Protos;

/// <summary>Our .proto files speak etcd's wire: the full service and method names clients call, and field numbers.</summary>
public class ProtoDescriptorTests
{
    public static TheoryData<string, string[]> Services => new()
    {
        { "etcdserverpb.KV", ["Range", "Put", "DeleteRange", "Txn", "Compact"] },
        { "etcdserverpb.Watch", ["Watch"] },
        { "etcdserverpb.Lease", ["LeaseGrant", "LeaseRevoke", "LeaseKeepAlive", "LeaseTimeToLive", "LeaseLeases"] },
        { "etcdserverpb.Cluster", ["MemberAdd", "MemberRemove", "MemberUpdate", "MemberList", "MemberPromote"] },
        { "etcdserverpb.Maintenance", ["Alarm", "Status", "Defragment", "Hash", "HashKV", "Snapshot", "MoveLeader", "Downgrade"] },
        {
            "etcdserverpb.Auth", ["AuthEnable", "AuthDisable", "AuthStatus", "Authenticate", "UserAdd", "UserGet", "UserList", "UserDelete",
                "UserChangePassword", "UserGrantRole", "UserRevokeRole", "RoleAdd", "RoleGet", "RoleList", "RoleDelete", "RoleGrantPermission",
                "RoleRevokePermission"]
        },
        { "v3lockpb.Lock", ["Lock", "Unlock"] },
        { "v3electionpb.Election", ["Campaign", "Proclaim", "Leader", "Observe", "Resign"] },
    };

    private static readonly FileDescriptor[] Files =
    [
        KvReflection.Descriptor, WatchReflection.Descriptor, LeaseReflection.Descriptor, ClusterReflection.Descriptor,
        MaintenanceReflection.Descriptor, AuthReflection.Descriptor, V3LockReflection.Descriptor, V3ElectionReflection.Descriptor,
    ];

    [Theory]
    [MemberData(nameof(Services))]
    public void Services_Have_Etcds_Names_And_Methods(string fullName, string[] methods)
    {
        var service = Files.SelectMany(f => f.Services).Single(s => s.FullName == fullName);
        Assert.Equal(methods, service.Methods.Select(m => m.Name));
    }

    [Fact]
    public void Streaming_Methods_Stream_As_In_Etcd()
    {
        var streaming = Files.SelectMany(f => f.Services).SelectMany(s => s.Methods)
            .Where(m => m.IsClientStreaming || m.IsServerStreaming)
            .Select(m => $"{m.Service.Name}.{m.Name}:{(m.IsClientStreaming ? "c" : "")}{(m.IsServerStreaming ? "s" : "")}");
        Assert.Equal(["Watch.Watch:cs", "Lease.LeaseKeepAlive:cs", "Maintenance.Snapshot:s", "Election.Observe:s"], streaming);
    }

    [Theory]
    [InlineData("etcdserverpb.Compare", "range_end", 64)]
    [InlineData("etcdserverpb.WatchResponse", "events", 11)]
    [InlineData("etcdserverpb.WatchCreateRequest", "fragment", 8)]
    [InlineData("etcdserverpb.RangeRequest", "max_create_revision", 13)]
    [InlineData("etcdserverpb.StatusResponse", "downgradeInfo", 13)]
    [InlineData("etcdserverpb.LeaseTimeToLiveResponse", "grantedTTL", 4)]
    [InlineData("etcdserverpb.AuthUserAddRequest", "hashedPassword", 4)]
    [InlineData("mvccpb.KeyValue", "lease", 6)]
    [InlineData("v3electionpb.LeaderKey", "lease", 4)]
    public void Fields_Keep_Etcds_Numbers(string message, string field, int number)
    {
        var descriptor = Files.SelectMany(f => f.MessageTypes.Concat(f.Dependencies.SelectMany(d => d.MessageTypes))).First(m => m.FullName == message);
        Assert.Equal(number, descriptor.FindFieldByName(field).FieldNumber);
    }

    [Fact]
    public void A_Message_Round_Trips_With_Etcds_Bytes()
    {
        // etcd's Go encoding of PutRequest{key:"a", value:"b", lease:5, prev_kv:true}: fields 1, 2, 3 and 4 in order.
        var put = new PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("a"), Value = Google.Protobuf.ByteString.CopyFromUtf8("b"), Lease = 5, PrevKv = true };
        Assert.Equal(Convert.FromHexString("0A01611201621805 2001".Replace(" ", "", StringComparison.Ordinal)), put.ToByteArray());
        var kv = KeyValue.Parser.ParseFrom(Convert.FromHexString("0A016B1002"));
        Assert.Equal(("k", 2L), (kv.Key.ToStringUtf8(), kv.CreateRevision));
        Assert.Equal("Lock", LockService.Descriptor.Name);
        Assert.Equal("Election", Election.Descriptor.Name);
    }
}
