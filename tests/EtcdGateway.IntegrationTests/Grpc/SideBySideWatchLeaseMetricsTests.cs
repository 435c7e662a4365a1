using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using static EtcdGateway.IntegrationTests.Grpc.SideBySideCalls;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// More of etcd's proxy's defects (docs/grpc-proxy.md), each shown side by side: the same calls to a member, through ours
/// and through <c>etcd grpc-proxy start</c>. Ours must answer as the member does; etcd's proxy's difference is asserted
/// where it is deterministic.
/// </summary>
public sealed class SideBySideWatchLeaseMetricsTests : IClassFixture<ClusterWithBothProxiesFixture>, IDisposable
{
    // How long to wait for a watch event that may never come.
    private static readonly TimeSpan EventWait = TimeSpan.FromSeconds(3);

    private readonly ClusterWithBothProxiesFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly GrpcChannel? _member;
    private readonly GrpcChannel? _ours;
    private readonly GrpcChannel? _etcds;

    public SideBySideWatchLeaseMetricsTests(ClusterWithBothProxiesFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
        if (fixture.MissingReason is null)
        {
            _member = GrpcChannel.ForAddress($"http://{fixture.Cluster.Members[0].ClientAddress}");
            _ours = GrpcChannel.ForAddress($"http://{fixture.Ours.ListenAddress}");
            _etcds = GrpcChannel.ForAddress($"http://{fixture.Etcds.ListenAddress}");
        }
    }

    private GrpcChannel Member => _member ?? throw SkipNow();

    private GrpcChannel Ours => _ours ?? throw SkipNow();

    private GrpcChannel Etcds => _etcds ?? throw SkipNow();

    public void Dispose()
    {
        _member?.Dispose();
        _ours?.Dispose();
        _etcds?.Dispose();
    }

    [Fact]
    public async Task A_Watcher_Joining_A_Watched_Key_From_The_Next_Revision_Is_Created_At_The_Current_Revision_Where_Etcds_Proxy_Says_Its_Start_Revision()
    {
        var seen = new List<string>();
        foreach (var channel in new[] { Member, Ours, Etcds })
        {
            var key = $"side-by-side/created/{seen.Count}";
            var kv = new KV.KVClient(Member);
            await kv.PutAsync(Put(key, "1"), Options());

            // A first watcher on the key, from now; a write elsewhere; then a second watcher from the next revision, which a
            // coalescing proxy serves from the first one's upstream watch. Every member has applied the write first, as a
            // proxy may ask any of them.
            using var first = new Watch.WatchClient(channel).Watch(Options());
            await first.RequestStream.WriteAsync(Create(key, start: 0, id: 0));
            Assert.True(await first.ResponseStream.MoveNext());
            var current = (await kv.PutAsync(Put("side-by-side/created/other", "x"), Options())).Header.Revision;
            await EveryMemberAtAsync(current);

            using var second = new Watch.WatchClient(channel).Watch(Options());
            await second.RequestStream.WriteAsync(Create(key, start: current + 1, id: 0));
            Assert.True(await second.ResponseStream.MoveNext());
            var created = second.ResponseStream.Current;
            Assert.True(created.Created);
            var revision = created.Header.Revision;
            seen.Add(revision == current ? "current" : revision == current + 1 ? "start" : $"other ({revision}; current {current})");
        }

        Record("Created response of a second watcher from the next revision: header revision", seen[0], seen[1], seen[2]);
        Assert.Equal("current", seen[0]);
        Assert.Equal(seen[0], seen[1]);
        // etcd's proxy makes up the Created response of a watcher that joins a running broadcast, at its start revision.
        Assert.Equal("start", seen[2]);
    }

    [Fact]
    public async Task A_Watch_Goes_On_After_The_Client_Half_Closes_Its_Stream_Where_Etcds_Proxy_Ends_It()
    {
        var seen = new List<string>();
        foreach (var channel in new[] { Member, Ours, Etcds })
        {
            var key = $"side-by-side/half-closed/{seen.Count}";
            var next = (await new KV.KVClient(Member).PutAsync(Put("side-by-side/half-closed/other", "x"), Options())).Header.Revision + 1;
            using var call = new Watch.WatchClient(channel).Watch(Options());
            await call.RequestStream.WriteAsync(Create(key, next, id: 0));
            Assert.Equal("id=0 created", await NextAsync(call));
            await call.RequestStream.CompleteAsync();

            var written = (await new KV.KVClient(Member).PutAsync(Put(key, "v"), Options())).Header.Revision;
            using var wait = new CancellationTokenSource(EventWait);
            try
            {
                seen.Add(await call.ResponseStream.MoveNext(wait.Token)
                    ? string.Join(", ", call.ResponseStream.Current.Events.Select(e => e.Kv.ModRevision == written ? "the write" : $"revision {e.Kv.ModRevision}"))
                    : "stream ended");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && wait.IsCancellationRequested)
            {
                seen.Add($"nothing within {EventWait.TotalSeconds:0} s");
            }
            catch (RpcException e)
            {
                seen.Add($"stream ended: {e.StatusCode}");
            }
        }

        Record("event after the client half-closed its watch stream", seen[0], seen[1], seen[2]);
        Assert.Equal("the write", seen[0]);
        Assert.Equal(seen[0], seen[1]);
        // etcd's proxy tears the whole stream down when its receive loop sees the end of the client's requests (#18230).
        Assert.StartsWith("stream ended", seen[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Watch_That_Asks_For_Fragments_Gets_Them_As_The_Member_Cuts_Them_Where_Etcds_Proxy_Sends_One_Whole_Response()
    {
        // Three values of 700 KB: caught up in one batch of 2.1 MB, over a member's 1.5 MiB request limit, so cut.
        var prefix = "side-by-side/fragment/";
        var kv = new KV.KVClient(Member);
        var big = ByteString.CopyFrom(new byte[700 * 1024]);
        var first = (await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(prefix + "a"), Value = big }, Options())).Header.Revision;
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(prefix + "b"), Value = big }, Options());
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(prefix + "c"), Value = big }, Options());

        var seen = new List<string>();
        foreach (var channel in new[] { Member, Ours, Etcds })
        {
            using var call = new Watch.WatchClient(channel).Watch(Options());
            var create = Create(prefix, first, id: 0);
            create.CreateRequest.RangeEnd = ByteString.CopyFromUtf8("side-by-side/fragment0");
            create.CreateRequest.Fragment = true;
            await call.RequestStream.WriteAsync(create);
            var responses = new List<string>();
            for (var events = 0; events < 3;)
            {
                Assert.True(await call.ResponseStream.MoveNext());
                var r = call.ResponseStream.Current;
                if (!r.Created)
                {
                    events += r.Events.Count;
                    responses.Add($"{r.Events.Count} event(s){(r.Fragment ? " fragment" : "")}");
                }
            }

            seen.Add(string.Join(" / ", responses));
        }

        Record("watch with fragment=true over 2.1 MB of events", seen[0], seen[1], seen[2]);
        Assert.Equal("2 event(s) fragment / 1 event(s)", seen[0]);
        Assert.Equal(seen[0], seen[1]);
        Assert.Equal("3 event(s)", seen[2]);
    }

    [Fact]
    public async Task A_Client_That_Reads_Its_Watch_Late_Gets_Every_Event_Where_Etcds_Proxy_Ends_Its_Stream()
    {
        // Enough single-event responses to fill the transport's windows and etcd's proxy's 1,024-response queue.
        const int Writes = 4_000;
        var key = $"side-by-side/late-reader/{Guid.NewGuid():N}";
        var kv = new KV.KVClient(Member);
        var next = (await kv.PutAsync(Put(key + "/start", "x"), Options())).Header.Revision + 1;
        var channels = new[] { Member, Ours, Etcds };
        var calls = channels.Select(c => new Watch.WatchClient(c).Watch(new CallOptions(deadline: DateTime.UtcNow.AddMinutes(3)))).ToList();
        try
        {
            foreach (var call in calls)
            {
                await call.RequestStream.WriteAsync(Create(key, next, id: 0));
                Assert.Equal("id=0 created", await NextAsync(call));
            }

            // The clients read nothing while the writes go on, and for a while after.
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async writer =>
            {
                for (var i = writer; i < Writes; i += 16)
                {
                    await kv.PutAsync(Put(key, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Options());
                }
            }));
            await Task.Delay(TimeSpan.FromSeconds(1));

            var seen = await Task.WhenAll(calls.Select(ReadUntilAllOrEndAsync));
            Record($"{Writes} events read only after they were all written", seen[0], seen[1], seen[2]);
            Assert.Equal($"{Writes} events in order", seen[0]);
            Assert.Equal(seen[0], seen[1]);
            // etcd's proxy gives a stream 50 ms to take each response once its queue is full, then ends the whole stream.
            Assert.Contains("stream ended", seen[2], StringComparison.Ordinal);
        }
        finally
        {
            calls.ForEach(c => c.Dispose());
        }

        async Task<string> ReadUntilAllOrEndAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call)
        {
            var events = 0;
            var ordered = true;
            var last = next - 1;
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                while (events < Writes && await call.ResponseStream.MoveNext(wait.Token))
                {
                    foreach (var e in call.ResponseStream.Current.Events)
                    {
                        ordered &= e.Kv.ModRevision == last + 1;
                        last = e.Kv.ModRevision;
                        events++;
                    }
                }

                return events == Writes ? $"{events} events{(ordered ? " in order" : " out of order")}" : $"{events} events, then the stream ended";
            }
            catch (RpcException e)
            {
                return $"{events} events, then the stream ended: {e.StatusCode}";
            }
        }
    }

    [Fact]
    public async Task Metrics_On_The_Listen_Port_Are_The_Proxys_Own_Where_Etcds_Proxy_Shows_A_Members()
    {
        _ = Member;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var member = await http.GetStringAsync($"http://{_fixture.Cluster.Members[0].ClientAddress}/metrics");
        var ours = await http.GetStringAsync($"http://{_fixture.Ours.ListenAddress}/metrics");
        var etcds = await http.GetStringAsync($"http://{_fixture.Etcds.ListenAddress}/metrics");

        const string MembersOwn = "etcd_server_has_leader";
        Record("GET /metrics on the listen port", Families(member), Families(ours), Families(etcds));
        Assert.Contains(MembersOwn, member, StringComparison.Ordinal);
        Assert.DoesNotContain(MembersOwn, ours, StringComparison.Ordinal);
        Assert.Contains("etcd_grpc_proxy_cache_hits_total", ours, StringComparison.Ordinal);
        // etcd 3.4's proxy fetches a member's page and serves it as its own.
        Assert.Contains(MembersOwn, etcds, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Lease_Its_Client_Stops_Keeping_Alive_Expires_Within_Its_TTL_Where_Etcds_Proxy_Keeps_It_About_Twice_As_Long()
    {
        const long Ttl = 5;
        var lease = new Lease.LeaseClient(Member);
        var ourLease = (await lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = Ttl }, Options())).ID;
        var etcdsLease = (await lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = Ttl }, Options())).ID;

        // One keep-alive each through the proxy, answered; then the client goes quiet with its stream left open, as a
        // client that hangs or forgets its lease does.
        var expiries = await Task.WhenAll(ExpiryAfterOneKeepAliveAsync(Ours, ourLease), ExpiryAfterOneKeepAliveAsync(Etcds, etcdsLease));
        var (ours, etcds) = (expiries[0], expiries[1]);
        Record($"lease (TTL {Ttl} s) expiry after the client's last keep-alive", $"{Ttl} s", $"{ours.TotalSeconds:0.0} s", $"{etcds.TotalSeconds:0.0} s");

        Assert.True(ours < TimeSpan.FromSeconds(Ttl + 1.5), $"ours: the lease lived {ours.TotalSeconds:0.0} s after its last keep-alive (TTL {Ttl} s)");
        // etcd's proxy renews upstream every TTL/3 until a TTL has passed without a client keep-alive (#13031).
        Assert.True(etcds > TimeSpan.FromSeconds(Ttl + 2), $"etcd's proxy: the lease lived {etcds.TotalSeconds:0.0} s");
    }

    private async Task EveryMemberAtAsync(long revision)
    {
        foreach (var member in _fixture.Cluster.Members)
        {
            using var channel = GrpcChannel.ForAddress($"http://{member.ClientAddress}");
            var kv = new KV.KVClient(channel);
            var waited = Stopwatch.StartNew();
            while ((await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("side-by-side/none"), Serializable = true }, Options())).Header.Revision < revision)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), $"{member.ClientAddress} did not reach revision {revision}");
                await Task.Delay(10);
            }
        }
    }

    private async Task<TimeSpan> ExpiryAfterOneKeepAliveAsync(GrpcChannel proxy, long id)
    {
        using var stream = new Lease.LeaseClient(proxy).LeaseKeepAlive(new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)));
        await stream.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = id });
        Assert.True(await stream.ResponseStream.MoveNext());
        Assert.True(stream.ResponseStream.Current.TTL > 0);
        var answered = Stopwatch.StartNew();

        var member = new Lease.LeaseClient(Member);
        while (answered.Elapsed < TimeSpan.FromSeconds(30))
        {
            var left = await member.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = id }, Options());
            if (left.TTL < 0)
            {
                return answered.Elapsed;
            }

            await Task.Delay(100);
        }

        return answered.Elapsed;
    }

    private static string Families(string page)
    {
        var names = page.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        return $"{names.Count} families, {names.Count(n => n.StartsWith("etcd_server_", StringComparison.Ordinal))} etcd_server_*, {names.Count(n => n.StartsWith("etcd_grpc_proxy_", StringComparison.Ordinal))} etcd_grpc_proxy_*";
    }

    private void Record(string @case, string member, string ours, string etcds) =>
        _output.WriteLine($"side by side | {@case} | member: {member} | ours: {ours} | etcd grpc-proxy: {etcds}");

    private UnreachableException SkipNow()
    {
        Assert.Skip(_fixture.MissingReason ?? "etcd is not installed");
        return new UnreachableException();
    }
}
