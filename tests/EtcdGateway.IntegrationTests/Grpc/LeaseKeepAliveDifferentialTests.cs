using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Keep-alives through the proxy are answered as a member answers them directly: a live lease with its TTL; a lease that
/// never existed, was revoked (through the proxy or directly) or expired, with etcd's TTL 0 answer, on a stream that kept
/// it alive before as on a new one.
/// </summary>
public sealed class LeaseKeepAliveDifferentialTests : IClassFixture<ClusterWithGrpcProxyFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _direct;
    private readonly GrpcChannel _proxy;

    public LeaseKeepAliveDifferentialTests(ClusterWithGrpcProxyFixture fixture)
    {
        _direct = GrpcChannel.ForAddress($"http://{fixture.Cluster.Members[0].ClientAddress}");
        _proxy = GrpcChannel.ForAddress($"http://{fixture.Proxy.ListenAddress}");
    }

    public void Dispose()
    {
        _direct.Dispose();
        _proxy.Dispose();
    }

    [Fact]
    public async Task A_Live_Lease_And_One_That_Never_Existed_Are_Answered_Alike()
    {
        var granted = await new Lease.LeaseClient(_direct).LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 });
        var live = await BothAsync(granted.ID);
        Assert.Equal((granted.ID, 30L), (live.Proxied.ID, live.Proxied.TTL));

        var never = await BothAsync(0x0badc0ffee);
        Assert.Equal((0x0badc0ffeeL, 0L), (never.Proxied.ID, never.Proxied.TTL));
    }

    [Fact]
    public async Task A_Lease_Revoked_Through_The_Proxy_Is_Reported_Gone_To_The_Stream_That_Kept_It_Alive()
    {
        var leases = new Lease.LeaseClient(_proxy);
        var granted = await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 });
        using var stream = leases.LeaseKeepAlive();
        Assert.Equal(30, (await OnceAsync(stream, granted.ID)).TTL);

        await leases.LeaseRevokeAsync(new LeaseRevokeRequest { ID = granted.ID });

        var after = await OnceAsync(stream, granted.ID);
        var etcds = await BothAsync(granted.ID);
        Assert.Equal(Comparable(etcds.Direct), Comparable(after));
        Assert.Equal(0, after.TTL);
    }

    [Fact]
    public async Task A_Lease_Revoked_Directly_Is_Reported_Gone_Once_The_Answer_From_Before_Is_Stale()
    {
        var granted = await new Lease.LeaseClient(_proxy).LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 });
        using var stream = new Lease.LeaseClient(_proxy).LeaseKeepAlive();
        Assert.Equal(30, (await OnceAsync(stream, granted.ID)).TTL);

        await new Lease.LeaseClient(_direct).LeaseRevokeAsync(new LeaseRevokeRequest { ID = granted.ID });
        await Task.Delay(TimeSpan.FromMilliseconds(600));

        var after = await OnceAsync(stream, granted.ID);
        Assert.Equal(Comparable((await BothAsync(granted.ID)).Direct), Comparable(after));
        Assert.Equal(0, after.TTL);
    }

    [Fact]
    public async Task A_Lease_That_Expired_Is_Reported_Gone_As_A_Member_Reports_It()
    {
        // etcd raises a TTL below its minimum (1.5 election timeouts); the grant says what it gave.
        var granted = await new Lease.LeaseClient(_proxy).LeaseGrantAsync(new LeaseGrantRequest { TTL = 2 });
        using var stream = new Lease.LeaseClient(_proxy).LeaseKeepAlive();
        Assert.Equal(granted.TTL, (await OnceAsync(stream, granted.ID)).TTL);

        await Task.Delay(TimeSpan.FromSeconds(granted.TTL + 1.5));

        var after = await OnceAsync(stream, granted.ID);
        Assert.Equal(Comparable((await BothAsync(granted.ID)).Direct), Comparable(after));
        Assert.Equal(0, after.TTL);
    }

    /// <summary>One keep-alive for <paramref name="lease"/> on a new stream directly and on one through the proxy; both answers, checked alike.</summary>
    private async Task<(LeaseKeepAliveResponse Direct, LeaseKeepAliveResponse Proxied)> BothAsync(long lease)
    {
        using var direct = new Lease.LeaseClient(_direct).LeaseKeepAlive();
        using var proxied = new Lease.LeaseClient(_proxy).LeaseKeepAlive();
        var fromMember = await OnceAsync(direct, lease);
        var fromProxy = await OnceAsync(proxied, lease);
        Assert.Equal(Comparable(fromMember), Comparable(fromProxy));
        return (fromMember, fromProxy);
    }

    private static async Task<LeaseKeepAliveResponse> OnceAsync(AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call, long lease)
    {
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease });
        using var limit = new CancellationTokenSource(Timeout);
        Assert.True(await call.ResponseStream.MoveNext(limit.Token), "the keep-alive stream ended");
        return call.ResponseStream.Current;
    }

    /// <summary>What must match: the lease, its TTL, the cluster; a header is there (the member and term may differ).</summary>
    private static (long Id, long Ttl, ulong Cluster, bool Revision) Comparable(LeaseKeepAliveResponse response) =>
        (response.ID, response.TTL, response.Header.ClusterId, response.Header.Revision > 0);
}
