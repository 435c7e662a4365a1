using EtcdGateway.Grpc.Registration;
using EtcdGateway.IntegrationTests.Infrastructure;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.IntegrationTests.Grpc.Registration;

/// <summary>
/// Registration against a real 3-member cluster, the part alone (the proxy process's own tests are in
/// GrpcProxyRegistrationTests): the key and value etcd's proxy writes, under a lease of the TTL asked for, gone at once on
/// stop, gone within the TTL when the proxy vanishes, and back when the lease is taken away.
/// </summary>
public sealed class ProxyRegistrarTests(ThreeMemberClusterFixture fixture) : IClassFixture<ThreeMemberClusterFixture>, IDisposable
{
    private const int TtlSeconds = 3;

    private readonly string _prefix = $"/proxies-{Guid.NewGuid():N}";
    private readonly SeveredClusterInvoker _cluster = new(fixture.Cluster.Members[0].ClientAddress);
    private readonly CapturedLog _log = new();

    private string Endpoints => fixture.Cluster.ClientEndpoints;

    public void Dispose() => _cluster.Dispose();

    private ProxyRegistrationOptions Options(string address) => new(address, _prefix, TimeSpan.FromSeconds(TtlSeconds), "proxy-host");

    private (Task Running, CancellationTokenSource Stop) Start(ProxyRegistrationOptions options)
    {
        var stop = new CancellationTokenSource();
        return (new ProxyRegistrar(_cluster, options, _log.Logger, TimeProvider.System).RunAsync(stop.Token), stop);
    }

    private Task<(IReadOnlyList<RegistryReader.Entry> Entries, TimeSpan Elapsed)> WaitAsync(Func<IReadOnlyList<RegistryReader.Entry>, bool> done, TimeSpan timeout) =>
        RegistryReader.WaitAsync(Endpoints, _prefix, done, timeout, () => _log.ToString());

    [Fact]
    public async Task Registers_PrefixSlashAddress_WithEtcdsValue_UnderALeaseOfTheTtl_AndKeepsItPastTheTtl()
    {
        var (running, stop) = Start(Options("127.0.0.1:23790"));
        try
        {
            var (entries, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(10));
            var entry = entries[0];
            Assert.Equal($"{_prefix}/127.0.0.1:23790", entry.Key);
            Assert.Equal("""{"Op":0,"Addr":"127.0.0.1:23790","Metadata":"{\"name\":\"proxy-host\"}"}""", entry.Value);
            Assert.Equal(TtlSeconds, await RegistryReader.GrantedTtlAsync(Endpoints, entry.Lease));
            Assert.Equal(1, _log.Count("registered session with lease"));

            // Renewed: still there, same lease, two TTLs later.
            await Task.Delay(TimeSpan.FromSeconds(2 * TtlSeconds));
            var later = Assert.Single(await RegistryReader.ReadAsync(Endpoints, _prefix));
            Assert.Equal(entry.Lease, later.Lease);
            Assert.Equal(0, _log.Count("session expired; possible network partition or server restart"));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task Stopping_RevokesTheLease_SoTheKeyGoesAtOnce()
    {
        var (running, stop) = Start(Options("127.0.0.1:23791"));
        var (entries, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(10));

        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(await RegistryReader.ReadAsync(Endpoints, _prefix));
        Assert.Equal(-1, await RegistryReader.GrantedTtlAsync(Endpoints, entries[0].Lease));
        Assert.Equal(1, _log.Count("revoked registration lease"));
    }

    [Fact]
    public async Task AProxyThatVanishes_LeavesWithinTheTtl()
    {
        var (running, stop) = Start(Options("127.0.0.1:23792"));
        await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(10));

        // No renewal and no revoke gets through any more: what a kill -9 leaves behind.
        _cluster.Severed = true;
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Single(await RegistryReader.ReadAsync(Endpoints, _prefix));

        var (_, elapsed) = await WaitAsync(e => e.Count == 0, TimeSpan.FromSeconds(TtlSeconds + 3));
        Assert.True(elapsed <= TimeSpan.FromSeconds(TtlSeconds + 3), $"gone after {elapsed}");
    }

    [Fact]
    public async Task ALeaseRevokedFromOutside_IsReplacedByANewRegistration()
    {
        var (running, stop) = Start(Options("127.0.0.1:23793"));
        try
        {
            var (entries, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(10));
            var revoked = await Etcdctl.RunAsync(Endpoints, "lease", "revoke", entries[0].Lease.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(revoked.Succeeded, revoked.ToString());

            // Seen at the next renewal (a third of the TTL), registered again at most a second after the first time.
            var (again, elapsed) = await WaitAsync(e => e.Count == 1 && e[0].Lease != entries[0].Lease, TimeSpan.FromSeconds(TtlSeconds + 2));
            Assert.Equal(entries[0].Value, again[0].Value);
            Assert.Equal(TtlSeconds, await RegistryReader.GrantedTtlAsync(Endpoints, again[0].Lease));
            Assert.Equal(1, _log.Count("creating a new session to rejoin"));
            Assert.Equal(2, _log.Count("registered session with lease"));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task ALeaseThatExpiredWhileTheClusterWasAway_IsReplacedWhenItIsBack()
    {
        var (running, stop) = Start(Options("127.0.0.1:23794"));
        try
        {
            var (entries, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(10));
            _cluster.Severed = true;
            await WaitAsync(e => e.Count == 0, TimeSpan.FromSeconds(TtlSeconds + 3));
            Assert.Equal(1, _log.Count("failed to renew registration lease", "warn"));

            _cluster.Severed = false;
            var (again, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(5));
            Assert.NotEqual(entries[0].Lease, again[0].Lease);
            Assert.Equal(1, _log.Count("session expired; possible network partition or server restart"));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task AKeyDeletedUnderALiveLease_IsWrittenAgain()
    {
        var (running, stop) = Start(Options("127.0.0.1:23795"));
        try
        {
            var (entries, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(10));
            var deleted = await Etcdctl.RunAsync(Endpoints, "del", entries[0].Key);
            Assert.True(deleted.Succeeded, deleted.ToString());

            var (again, _) = await WaitAsync(e => e.Count == 1, TimeSpan.FromSeconds(TtlSeconds));
            Assert.Equal((entries[0].Lease, entries[0].Value), (again[0].Lease, again[0].Value));
            Assert.Equal(1, _log.Count("registration key was deleted; writing it again"));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task MemberList_ListsTheLiveRegistrations_AndDropsAVanishedProxyWithinTheTtl()
    {
        var first = Start(Options("127.0.0.1:23796"));
        using var other = new SeveredClusterInvoker(fixture.Cluster.Members[1].ClientAddress);
        using var secondStop = new CancellationTokenSource();
        var second = new ProxyRegistrar(other, Options("127.0.0.1:23797") with { Name = "other-host" }, _log.Logger, TimeProvider.System).RunAsync(secondStop.Token);
        var members = ProxyMemberList.For(_cluster, Options("127.0.0.1:23796"), TimeProvider.System)!;
        try
        {
            await WaitAsync(e => e.Count == 2, TimeSpan.FromSeconds(10));
            var both = await members.ListAsync(new MemberListRequest(), CancellationToken.None);
            Assert.Equal(["127.0.0.1:23796", "127.0.0.1:23797"], both.Members.Select(m => m.ClientURLs.Single()));
            Assert.Equal(["proxy-host", "other-host"], both.Members.Select(m => m.Name));
            Assert.NotEqual(0UL, both.Header.ClusterId);

            other.Severed = true;
            await secondStop.CancelAsync();
            await second;
            var started = DateTime.UtcNow;
            while ((await members.ListAsync(new MemberListRequest(), CancellationToken.None)).Members.Count != 1)
            {
                Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(TtlSeconds + 3), "the vanished proxy is still listed");
                await Task.Delay(100);
            }

            var linearizable = await members.ListAsync(new MemberListRequest { Linearizable = true }, CancellationToken.None);
            Assert.Equal("127.0.0.1:23796", Assert.Single(linearizable.Members).ClientURLs.Single());
        }
        finally
        {
            await first.Stop.CancelAsync();
            await first.Running;
        }
    }
}
