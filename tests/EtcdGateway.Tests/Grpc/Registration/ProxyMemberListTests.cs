using EtcdGateway.Grpc.Registration;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Registration;

/// <summary>Where MemberList's answer comes from: the registrations read from the cluster, the proxy itself, or nowhere (forwarded).</summary>
public sealed class ProxyMemberListTests
{
    private static readonly ProxyRegistrationOptions Registering = new("10.0.0.9:23790", "/proxies", TimeSpan.FromSeconds(10), "self-host");
    private static readonly ProxyRegistrationOptions AdvertiseOnly = new("10.0.0.9:23790", "", TimeSpan.Zero, "self-host");

    private readonly ManualTimeProvider _time = new();
    private readonly List<KeyValue> _registrations = [];
    private readonly ScriptedCallInvoker _cluster;

    public ProxyMemberListTests()
    {
        _cluster = new ScriptedCallInvoker((method, request) => method switch
        {
            "Range" => new RangeResponse { Header = new ResponseHeader { ClusterId = 7, Revision = 100 + _cluster!.Calls.Count }, Kvs = { _registrations } },
            "MemberList" => new MemberListResponse { Header = new ResponseHeader { ClusterId = 7, MemberId = 8 }, Members = { new Member { ID = 8, Name = "infra0" } } },
            _ => throw new InvalidOperationException(method),
        });
    }

    private void Register(string address, string name) => _registrations.Add(new KeyValue
    {
        Key = ByteString.CopyFromUtf8(RegistrationKeys.For("/proxies", address)),
        Value = ByteString.CopyFrom(NamingEndpointValue.Encode(address, name)),
    });

    [Fact]
    public void For_AnEmptyAdvertiseUrl_IsNothing_SoMemberListIsForwarded() =>
        Assert.Null(ProxyMemberList.For(_cluster, new ProxyRegistrationOptions("", "", TimeSpan.Zero, "h"), _time));

    [Fact]
    public async Task WithPrefix_ListsTheRegistrationsReadUnderPrefixSlash_WithTheReadsHeader()
    {
        Register("10.0.0.1:23790", "host-a");
        Register("10.0.0.2:23790", "host-b");
        _registrations.Add(new KeyValue { Key = ByteString.CopyFromUtf8("/proxies/garbage"), Value = ByteString.CopyFromUtf8("not json") });

        var response = await ProxyMemberList.For(_cluster, Registering, _time)!.ListAsync(new MemberListRequest(), CancellationToken.None);

        Assert.Equal(["host-a", "host-b"], response.Members.Select(m => m.Name));
        Assert.Equal((7UL, 101L), (response.Header.ClusterId, response.Header.Revision));
        var (method, request) = Assert.Single(_cluster.Calls);
        var range = Assert.IsType<RangeRequest>(request);
        Assert.Equal(("/proxies/", "/proxies0", true), (range.Key.ToStringUtf8(), range.RangeEnd.ToStringUtf8(), range.Serializable));
    }

    [Fact]
    public async Task WithPrefix_AndNoRegistrationYet_IsTheProxyItself()
    {
        var response = await ProxyMemberList.For(_cluster, Registering, _time)!.ListAsync(new MemberListRequest(), CancellationToken.None);

        Assert.Equal(["10.0.0.9:23790"], Assert.Single(response.Members).ClientURLs);
    }

    [Fact]
    public async Task SerializableAnswers_ShareOneReadForASecond_ThenReadAgain()
    {
        var members = ProxyMemberList.For(_cluster, Registering, _time)!;
        Register("10.0.0.1:23790", "host-a");
        await members.ListAsync(new MemberListRequest(), CancellationToken.None);

        Register("10.0.0.2:23790", "host-b");
        _time.Advance(ProxyMemberList.Freshness - TimeSpan.FromMilliseconds(1));
        var cached = await members.ListAsync(new MemberListRequest(), CancellationToken.None);
        Assert.Single(cached.Members);
        Assert.Single(_cluster.Calls);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var fresh = await members.ListAsync(new MemberListRequest(), CancellationToken.None);
        Assert.Equal(2, fresh.Members.Count);
        Assert.Equal(2, _cluster.Calls.Count);
    }

    [Fact]
    public async Task LinearizableRequests_ReadThroughTheLeaderEachTime()
    {
        var members = ProxyMemberList.For(_cluster, Registering, _time)!;
        await members.ListAsync(new MemberListRequest { Linearizable = true }, CancellationToken.None);
        await members.ListAsync(new MemberListRequest { Linearizable = true }, CancellationToken.None);

        Assert.Equal(2, _cluster.Calls.Count);
        Assert.All(_cluster.Calls, call => Assert.False(Assert.IsType<RangeRequest>(call.Request).Serializable));
    }

    [Fact]
    public async Task AFailedRead_IsNotShared()
    {
        var fail = true;
        var cluster = new ScriptedCallInvoker((_, _) => fail
            ? throw new RpcException(new Status(StatusCode.Unavailable, "no member"))
            : new RangeResponse { Header = new ResponseHeader() });
        var members = ProxyMemberList.For(cluster, Registering, _time)!;

        var error = await Assert.ThrowsAsync<RpcException>(() => members.ListAsync(new MemberListRequest(), CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);

        fail = false;
        Assert.Single((await members.ListAsync(new MemberListRequest(), CancellationToken.None)).Members);
    }

    [Fact]
    public async Task AdvertiseOnly_IsTheProxyItself_WithTheClustersHeader()
    {
        var response = await ProxyMemberList.For(_cluster, AdvertiseOnly, _time)!.ListAsync(new MemberListRequest { Linearizable = true }, CancellationToken.None);

        var member = Assert.Single(response.Members);
        Assert.Equal(("self-host", "10.0.0.9:23790"), (member.Name, Assert.Single(member.ClientURLs)));
        Assert.Equal((7UL, 8UL), (response.Header.ClusterId, response.Header.MemberId));
        Assert.True(Assert.IsType<MemberListRequest>(Assert.Single(_cluster.Calls).Request).Linearizable);
    }
}
