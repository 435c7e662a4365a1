using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>The operations guide's etcdctl tour through the gRPC proxy, giving what the cluster gives directly.</summary>
public partial class GrpcEtcdctlTourTests(ClusterWithGrpcProxyFixture fixture) : IClassFixture<ClusterWithGrpcProxyFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private string Proxy => fixture.Proxy.ListenAddress;

    private string Direct => fixture.Cluster.Members[0].ClientAddress;

    [Fact]
    public async Task KeyValueTour_ThroughTheProxy_MatchesDirect()
    {
        var throughProxy = await EtcdctlKeyValueTour.RunAsync(Proxy, "grpc-tour-proxy", Timeout);
        var direct = await EtcdctlKeyValueTour.RunAsync(Direct, "grpc-tour-direct", Timeout);

        Assert.Equal(direct, throughProxy);
        Assert.Contains("SUCCESS", throughProxy, StringComparison.Ordinal);
        Assert.Contains("bar2", throughProxy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WriteOutJson_IsTheClustersAnswer()
    {
        await Ok(Proxy, "put", "grpc-json/k", "v");
        var viaProxy = JsonDocument.Parse((await Ok(Proxy, "get", "grpc-json/k", "--write-out=json")).StdOut).RootElement;
        var direct = JsonDocument.Parse((await Ok(Direct, "get", "grpc-json/k", "--write-out=json")).StdOut).RootElement;

        Assert.Equal(direct.GetProperty("header").GetProperty("cluster_id").GetUInt64(), viaProxy.GetProperty("header").GetProperty("cluster_id").GetUInt64());
        var kv = Assert.Single(viaProxy.GetProperty("kvs").EnumerateArray());
        Assert.Equal("v", Encoding.UTF8.GetString(kv.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(direct.GetProperty("kvs")[0].GetProperty("mod_revision").GetInt64(), kv.GetProperty("mod_revision").GetInt64());
    }

    [Fact]
    public async Task Watch_ThroughTheProxy_SeesWritesMadeDirectly()
    {
        // From the revision after the cluster's current one: the writes below are seen however long the watch takes to start.
        var current = JsonDocument.Parse((await Ok(Direct, "get", "grpc-watched/none", "--write-out=json")).StdOut)
            .RootElement.GetProperty("header").GetProperty("revision").GetInt64();
        using var watch = Etcdctl.StartLongRunning(Proxy, "watch", "grpc-watched/", "--prefix", $"--rev={current + 1}");
        try
        {
            var lines = new LineReader(watch);
            await Ok(Direct, "put", "grpc-watched/one", "1");
            await Ok(fixture.Cluster.Members[2].ClientAddress, "del", "grpc-watched/one");

            Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            Assert.Equal("grpc-watched/one", await lines.ReadAsync(Timeout));
            Assert.Equal("1", await lines.ReadAsync(Timeout));
            Assert.Equal("DELETE", await lines.ReadAsync(Timeout));
            Assert.Equal("grpc-watched/one", await lines.ReadAsync(Timeout));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Lease_GrantKeepAliveTimeToLiveRevoke_ThroughTheProxy()
    {
        var id = LeaseId().Match((await Ok(Proxy, "lease", "grant", "60")).StdOut).Groups[1].Value;
        Assert.NotEmpty(id);
        await Ok(Proxy, "put", "grpc-leased/k", "v", $"--lease={id}");
        Assert.Contains("grpc-leased/k", (await Ok(Direct, "get", "grpc-leased/k")).StdOut, StringComparison.Ordinal);

        var keepAlive = await Run(Proxy, "lease", "keep-alive", "--once", id);
        Assert.Contains($"lease {id} keepalived with TTL(60)", keepAlive.StdOut, StringComparison.Ordinal);
        var ttl = await Ok(Proxy, "lease", "timetolive", id, "--keys");
        Assert.Contains("attached keys([grpc-leased/k])", ttl.StdOut, StringComparison.Ordinal);
        Assert.Contains(id, (await Ok(Proxy, "lease", "list")).StdOut, StringComparison.Ordinal);

        Assert.Contains("revoked", (await Ok(Proxy, "lease", "revoke", id)).StdOut, StringComparison.Ordinal);
        Assert.Equal("", (await Ok(Direct, "get", "grpc-leased/k")).StdOut);
        Assert.Contains("already expired", (await Ok(Proxy, "lease", "timetolive", id)).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lock_ASecondHolderBlocks_UntilTheFirstLetsGo()
    {
        using var first = Etcdctl.StartLongRunning(Proxy, "lock", "grpc-tour-lock");
        using var second = Etcdctl.StartLongRunning(Proxy, "lock", "grpc-tour-lock");
        try
        {
            var firstKey = new LineReader(first).ReadAsync(Timeout);
            var secondKey = new LineReader(second).ReadAsync(Timeout);
            var won = await Task.WhenAny(firstKey, secondKey);
            Assert.StartsWith("grpc-tour-lock/", await won, StringComparison.Ordinal);
            var (winner, waiting) = won == firstKey ? (first, secondKey) : (second, firstKey);

            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.False(waiting.IsCompleted, "the second holder got the lock while the first still held it");

            Posix.Signal(winner.Id, Posix.SigTerm);
            Assert.StartsWith("grpc-tour-lock/", await waiting, StringComparison.Ordinal);
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            second.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Elect_ThroughTheProxy_IsSeenByObserversOnBothSides()
    {
        using var candidate = Etcdctl.StartLongRunning(Proxy, "elect", "grpc-tour-election", "p1");
        using var observer = Etcdctl.StartLongRunning(Proxy, "elect", "-l", "grpc-tour-election");
        try
        {
            var lines = new LineReader(candidate);
            Assert.StartsWith("grpc-tour-election/", await lines.ReadAsync(Timeout), StringComparison.Ordinal);
            Assert.Equal("p1", await lines.ReadAsync(Timeout));

            var seen = new LineReader(observer);
            Assert.StartsWith("grpc-tour-election/", await seen.ReadAsync(Timeout), StringComparison.Ordinal);
            Assert.Equal("p1", await seen.ReadAsync(Timeout));
        }
        finally
        {
            candidate.Kill(entireProcessTree: true);
            observer.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task EndpointStatus_MemberList_AndAlarms_ThroughTheProxy()
    {
        var members = await Ok(Proxy, "member", "list");
        Assert.Equal((await Ok(Direct, "member", "list")).StdOut, members.StdOut);
        Assert.Equal(3, members.StdOut.Trim().Split('\n').Length);

        var status = JsonDocument.Parse((await Ok(Proxy, "endpoint", "status", "--write-out=json")).StdOut).RootElement;
        var entry = Assert.Single(status.EnumerateArray());
        Assert.Equal(Proxy, entry.GetProperty("Endpoint").GetString());
        Assert.Equal("3.4.23", entry.GetProperty("Status").GetProperty("version").GetString());
        var health = await Run(Proxy, "endpoint", "health");
        Assert.Contains("is healthy", health.StdOut + health.StdErr, StringComparison.Ordinal);

        var alarms = await Ok(Proxy, "alarm", "list");
        Assert.Equal("", alarms.StdOut.Trim());
    }

    [Fact]
    public async Task SnapshotSave_ThroughTheProxy_WritesAValidSnapshot()
    {
        var file = Path.Combine(Path.GetTempPath(), $"grpc-proxy-snapshot-{Guid.NewGuid():N}.db");
        try
        {
            await Ok(Proxy, "put", "grpc-snap/k", "v");
            await Ok(Proxy, "snapshot", "save", file);
            var status = await Ok(Proxy, "snapshot", "status", file, "--write-out=json");
            Assert.True(JsonDocument.Parse(status.StdOut).RootElement.GetProperty("totalKey").GetInt32() > 0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Compaction_ThroughTheProxy_ThenOldRevisionsAreGone()
    {
        await Ok(Proxy, "put", "grpc-compact/k", "old");
        var revision = JsonDocument.Parse((await Ok(Proxy, "put", "grpc-compact/k", "new", "--write-out=json")).StdOut)
            .RootElement.GetProperty("header").GetProperty("revision").GetInt64();

        Assert.Contains($"compacted revision {revision}", (await Ok(Proxy, "compaction", revision.ToString(System.Globalization.CultureInfo.InvariantCulture))).StdOut, StringComparison.Ordinal);
        var old = await Run(Proxy, "get", "grpc-compact/k", $"--rev={revision - 1}");
        Assert.False(old.Succeeded);
        Assert.Contains("required revision has been compacted", old.StdErr, StringComparison.Ordinal);
    }

    private static async Task<CommandResult> Ok(string endpoint, params string[] args)
    {
        var result = await Run(endpoint, args);
        Assert.True(result.Succeeded, $"etcdctl {string.Join(' ', args)} via {endpoint}: {result}");
        return result;
    }

    private static Task<CommandResult> Run(string endpoint, params string[] args) => Etcdctl.RunAsync(endpoint, args, Timeout);

    [GeneratedRegex("lease ([0-9a-f]+) granted")]
    private static partial Regex LeaseId();
}
