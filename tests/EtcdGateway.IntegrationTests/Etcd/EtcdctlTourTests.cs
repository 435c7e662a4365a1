using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Etcd;

/// <summary>The operations guide's etcdctl tour, through the gateway, giving what the cluster gives directly.</summary>
public partial class EtcdctlTourTests(ClusterWithGatewayFixture fixture) : IClassFixture<ClusterWithGatewayFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private string Gateway => fixture.Gateway.ListenAddress;

    private string Direct => fixture.Cluster.Members[0].ClientAddress;

    [Fact]
    public async Task KeyValueTour_ThroughTheGateway_MatchesDirect()
    {
        var throughGateway = await EtcdctlKeyValueTour.RunAsync(Gateway, "tour-gw", Timeout);
        var direct = await EtcdctlKeyValueTour.RunAsync(Direct, "tour-direct", Timeout);

        Assert.Equal(direct, throughGateway);
        Assert.Contains("SUCCESS", throughGateway, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteOutJson_ThroughTheGateway_IsTheClustersAnswer()
    {
        await Ok(Gateway, "put", "json/k", "v");
        var viaGateway = JsonDocument.Parse((await Ok(Gateway, "get", "json/k", "--write-out=json")).StdOut).RootElement;
        var direct = JsonDocument.Parse((await Ok(Direct, "get", "json/k", "--write-out=json")).StdOut).RootElement;

        Assert.Equal(direct.GetProperty("header").GetProperty("cluster_id").GetUInt64(), viaGateway.GetProperty("header").GetProperty("cluster_id").GetUInt64());
        var kv = Assert.Single(viaGateway.GetProperty("kvs").EnumerateArray());
        Assert.Equal("json/k", Encoding.UTF8.GetString(kv.GetProperty("key").GetBytesFromBase64()));
        Assert.Equal("v", Encoding.UTF8.GetString(kv.GetProperty("value").GetBytesFromBase64()));
        Assert.Equal(direct.GetProperty("kvs")[0].GetProperty("mod_revision").GetInt64(), kv.GetProperty("mod_revision").GetInt64());
    }

    [Fact]
    public async Task Watch_ThroughTheGateway_SeesWritesMadeDirectly()
    {
        using var watch = Etcdctl.StartLongRunning(Gateway, "watch", "watched/", "--prefix");
        try
        {
            var lines = Lines(watch);
            await Task.Delay(500);
            await Ok(Direct, "put", "watched/one", "1");
            await Ok(fixture.Cluster.Members[2].ClientAddress, "put", "watched/two", "2");

            Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            Assert.Equal("watched/one", await lines.ReadAsync(Timeout));
            Assert.Equal("1", await lines.ReadAsync(Timeout));
            Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            Assert.Equal("watched/two", await lines.ReadAsync(Timeout));
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Lease_GrantPutRevoke_ThroughTheGateway()
    {
        var grant = await Ok(Gateway, "lease", "grant", "60");
        var id = LeaseId().Match(grant.StdOut).Groups[1].Value;
        Assert.NotEmpty(id);
        await Ok(Gateway, "put", "leased/k", "v", $"--lease={id}");
        Assert.Contains("leased/k", (await Ok(Direct, "get", "leased/k")).StdOut, StringComparison.Ordinal);
        Assert.Contains("remaining", (await Ok(Gateway, "lease", "timetolive", id)).StdOut, StringComparison.Ordinal);

        Assert.Contains("revoked", (await Ok(Gateway, "lease", "revoke", id)).StdOut, StringComparison.Ordinal);
        Assert.Equal("", (await Ok(Direct, "get", "leased/k")).StdOut);
    }

    [Fact]
    public async Task Lock_ASecondHolderBlocks_UntilTheFirstLetsGo()
    {
        using var first = Etcdctl.StartLongRunning(Gateway, "lock", "tour-lock");
        using var second = Etcdctl.StartLongRunning(Gateway, "lock", "tour-lock");
        try
        {
            var firstKey = Lines(first).ReadAsync(Timeout);
            var secondKey = Lines(second).ReadAsync(Timeout);
            var won = await Task.WhenAny(firstKey, secondKey);
            Assert.StartsWith("tour-lock/", await won, StringComparison.Ordinal);
            var (winner, waiting) = won == firstKey ? (first, secondKey) : (second, firstKey);

            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.False(waiting.IsCompleted, "the second holder got the lock while the first still held it");

            // SIGTERM, not SIGKILL: etcdctl then revokes its session and the lock passes on at once.
            Posix.Signal(winner.Id, Posix.SigTerm);
            Assert.StartsWith("tour-lock/", await waiting, StringComparison.Ordinal);
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            second.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Elect_ThroughTheGateway_IsSeenByObservers()
    {
        using var candidate = Etcdctl.StartLongRunning(Gateway, "elect", "tour-election", "p1");
        try
        {
            var lines = Lines(candidate);
            Assert.StartsWith("tour-election/", await lines.ReadAsync(Timeout), StringComparison.Ordinal);
            Assert.Equal("p1", await lines.ReadAsync(Timeout));

            using var observer = Etcdctl.StartLongRunning(Direct, "elect", "-l", "tour-election");
            try
            {
                var seen = Lines(observer);
                Assert.StartsWith("tour-election/", await seen.ReadAsync(Timeout), StringComparison.Ordinal);
                Assert.Equal("p1", await seen.ReadAsync(Timeout));
            }
            finally
            {
                observer.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            candidate.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task EndpointStatus_AndMemberList_ThroughTheGateway()
    {
        var members = await Ok(Gateway, "member", "list");
        Assert.Equal((await Ok(Direct, "member", "list")).StdOut, members.StdOut);
        Assert.Equal(3, members.StdOut.Trim().Split('\n').Length);

        var status = JsonDocument.Parse((await Ok(Gateway, "endpoint", "status", "--write-out=json")).StdOut).RootElement;
        var entry = Assert.Single(status.EnumerateArray());
        Assert.Equal(Gateway, entry.GetProperty("Endpoint").GetString());
        Assert.Equal("3.4.23", entry.GetProperty("Status").GetProperty("version").GetString());
        var health = await Run(Gateway, "endpoint", "health");
        Assert.Contains("is healthy", health.StdOut + health.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SnapshotSave_ThroughTheGateway_WritesAValidSnapshot()
    {
        var file = Path.Combine(Path.GetTempPath(), $"gw-snapshot-{Guid.NewGuid():N}.db");
        try
        {
            await Ok(Gateway, "put", "snap/k", "v");
            await Ok(Gateway, "snapshot", "save", file);
            var status = await Ok(Gateway, "snapshot", "status", file, "--write-out=json");
            Assert.True(JsonDocument.Parse(status.StdOut).RootElement.GetProperty("totalKey").GetInt32() > 0);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task HttpOneZeroWithHalfClose_GetsEtcdsAnswer()
    {
        // etcd's own gateway loses this response (it tears down both directions at the client's FIN).
        using var client = await Loopback.ConnectAsync(fixture.Gateway.ListenPort);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET /version HTTP/1.0\r\n\r\n"));
        client.Shutdown(SocketShutdown.Send);

        var response = await Loopback.ReadToEndAsStringAsync(client, Timeout);
        Assert.StartsWith("HTTP/1.0 200 OK", response, StringComparison.Ordinal);
        Assert.Contains("\"etcdserver\":\"3.4.23\"", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonApi_RangeRequest_ThroughTheGateway()
    {
        await Ok(Direct, "put", "api/k", "from-etcdctl");
        using var http = new HttpClient { BaseAddress = new Uri($"http://{Gateway}") };
        var body = new StringContent($"{{\"key\":\"{Convert.ToBase64String("api/k"u8)}\"}}", Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v3/kv/range", body);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("from-etcdctl", Encoding.UTF8.GetString(json.GetProperty("kvs")[0].GetProperty("value").GetBytesFromBase64()));
    }

    private static async Task<CommandResult> Ok(string endpoint, params string[] args)
    {
        var result = await Run(endpoint, args);
        Assert.True(result.Succeeded, $"etcdctl {string.Join(' ', args)} via {endpoint}: {result}");
        return result;
    }

    private static Task<CommandResult> Run(string endpoint, params string[] args) => Etcdctl.RunAsync(endpoint, args, Timeout);

    private static LineReader Lines(Process process) => new(process);

    [GeneratedRegex("lease ([0-9a-f]+) granted")]
    private static partial Regex LeaseId();
}
