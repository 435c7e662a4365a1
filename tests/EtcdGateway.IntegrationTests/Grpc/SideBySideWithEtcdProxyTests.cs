using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using static EtcdGateway.IntegrationTests.Grpc.SideBySideCalls;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The same calls sent to a member directly, through our proxy and through etcd's own (<c>etcd grpc-proxy start</c>,
/// Debian's 3.4.23), with an independent client (dotnet-etcd's generated stubs). Ours must answer as the member does;
/// where etcd's proxy answers otherwise (the defects listed in docs/grpc-proxy.md) the difference is asserted when it is
/// deterministic, and written to the test output when it depends on timing.
/// </summary>
public sealed class SideBySideWithEtcdProxyTests : IClassFixture<ClusterWithBothProxiesFixture>, IDisposable
{
    // How long a write made directly to a member may take to show through a proxy that caches reads.
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(1);

    // How long to wait for an answer etcd's proxy never sends (its watch loop drops the request without a word).
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(2);

    private readonly ClusterWithBothProxiesFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly GrpcChannel? _member;
    private readonly GrpcChannel? _ours;
    private readonly GrpcChannel? _etcds;

    public SideBySideWithEtcdProxyTests(ClusterWithBothProxiesFixture fixture, ITestOutputHelper output)
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

    public static TheoryData<string, StatusCode> Errors => new()
    {
        { "empty key", StatusCode.InvalidArgument },
        { "duplicate txn key", StatusCode.InvalidArgument },
        { "unknown lease", StatusCode.NotFound },
        { "compacted revision", StatusCode.OutOfRange },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Errors_Keep_The_Members_Code_And_Message_Where_Etcds_Proxy_Answers_Unknown(string error, StatusCode code)
    {
        var member = await CaptureAsync(Member, error);
        var ours = await CaptureAsync(Ours, error);
        var etcds = await CaptureAsync(Etcds, error);
        Record(error, Describe(member), Describe(ours), Describe(etcds));

        Assert.Equal(code, member.StatusCode);
        Assert.Equal(Describe(member), Describe(ours));
        // etcd's proxy hands its client's error (a plain Go error once the client has converted it) to its gRPC server,
        // which can only call it Unknown: the message survives, the code does not.
        Assert.Equal(StatusCode.Unknown, etcds.StatusCode);
        Assert.Equal(member.Status.Detail, etcds.Status.Detail);
    }

    [Fact]
    public async Task A_Watch_Id_Chosen_By_The_Client_Is_Echoed_Where_Etcds_Proxy_Numbers_Its_Own()
    {
        var seen = new List<List<string>>();
        foreach (var channel in new[] { Member, Ours, Etcds })
        {
            var key = $"side-by-side/watch-id/{seen.Count}";
            var next = await NextRevisionAsync();
            using var call = new Watch.WatchClient(channel).Watch(Options());
            await call.RequestStream.WriteAsync(Create(key, next, id: 7));
            var responses = new List<string> { await NextAsync(call) };
            var written = (await new KV.KVClient(Member).PutAsync(Put(key, "v"), Options())).Header.Revision;
            responses.Add(await NextAsync(call));
            seen.Add([.. responses.Select(r => r.Replace(key, "KEY", StringComparison.Ordinal).Replace($"@{written}", "@WRITTEN", StringComparison.Ordinal))]);
        }

        Record("watch_id 7 chosen by the client", string.Join(" / ", seen[0]), string.Join(" / ", seen[1]), string.Join(" / ", seen[2]));
        Assert.Equal(["id=7 created", "id=7 [PUT KEY@WRITTEN]"], seen[0]);
        Assert.Equal(seen[0], seen[1]);
        // etcd's proxy numbers a stream's watchers itself from 0 and never reads the requested id.
        Assert.Equal(["id=0 created", "id=0 [PUT KEY@WRITTEN]"], seen[2]);
    }

    [Fact]
    public async Task RequestProgress_Is_Answered_Where_Etcds_Proxy_Stays_Silent()
    {
        var seen = new List<string>();
        foreach (var channel in new[] { Member, Ours, Etcds })
        {
            var next = await NextRevisionAsync();
            using var call = new Watch.WatchClient(channel).Watch(Options());
            await call.RequestStream.WriteAsync(Create("side-by-side/progress/", next, id: 0));
            Assert.Equal("id=0 created", await NextAsync(call));
            await call.RequestStream.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() });
            using var silence = new CancellationTokenSource(Silence);
            try
            {
                Assert.True(await call.ResponseStream.MoveNext(silence.Token));
                var progress = call.ResponseStream.Current;
                seen.Add($"id={progress.WatchId} rev={(progress.Header.Revision == next - 1 ? "current" : progress.Header.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture))} events={progress.Events.Count}");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && silence.IsCancellationRequested)
            {
                seen.Add($"no response within {Silence.TotalSeconds:0} s");
            }
        }

        Record("RequestProgress on a synced watch", seen[0], seen[1], seen[2]);
        // etcd 3.4 answers a progress request with a header at its current revision and watch id -1 (for every watcher).
        Assert.Equal("id=-1 rev=current events=0", seen[0]);
        Assert.Equal(seen[0], seen[1]);
        Assert.Equal($"no response within {Silence.TotalSeconds:0} s", seen[2]);
    }

    [Fact]
    public async Task A_Write_Made_Directly_To_A_Member_Is_Seen_Through_Ours_Within_A_Second_Where_Etcds_Proxy_Stays_Stale()
    {
        const string key = "side-by-side/stale";
        var member = Member;
        // A fresh etcd proxy: once a Compact has gone through one (as the error cases send), etcd 3.4.23's proxy stops
        // caching reads at the latest revision (it caches only revisions above the last compaction, and 0 never is).
        await using var etcdsProcess = await EtcdGrpcProxyProcess.StartAsync(_fixture.Cluster.ClientEndpoints);
        using var etcdsChannel = GrpcChannel.ForAddress($"http://{etcdsProcess.ListenAddress}");
        var read = new RangeRequest { Key = ByteString.CopyFromUtf8(key), Serializable = true };
        await new KV.KVClient(member).PutAsync(Put(key, "old"), Options());

        // Both proxies answer "old", and so have it cached, before the write they are not told about. The first read is
        // linearizable, so that no member lagging behind the write can put an older answer in a cache.
        foreach (var channel in new[] { Ours, etcdsChannel })
        {
            Assert.Equal("old", await ValueAsync(channel, new RangeRequest(read) { Serializable = false }));
            Assert.Equal("old", await ValueAsync(channel, read));
        }

        await new KV.KVClient(member).PutAsync(Put(key, "new"), Options());
        var written = Stopwatch.StartNew();
        var direct = await ValueAsync(member, read);
        var oursSawIt = await WaitForValueAsync(Ours, read, "new", Visible);
        var oursAfter = written.Elapsed;
        var ours = await ValueAsync(Ours, read);
        if (written.Elapsed < Visible)
        {
            await Task.Delay(Visible - written.Elapsed);
        }

        var etcds = await ValueAsync(etcdsChannel, read);
        Record(
            "serializable Get after a write made directly to a member",
            direct,
            $"{ours} (seen after {oursAfter.TotalMilliseconds:0} ms)",
            $"{etcds} (after {written.Elapsed.TotalMilliseconds:0} ms)");

        Assert.Equal("new", direct);
        Assert.True(oursSawIt, $"ours still answered the old value {Visible} after the write");
        Assert.Equal("new", ours);
        // etcd's cache is only ever invalidated by writes that pass through that proxy (#14665).
        Assert.Equal("old", etcds);
    }

    private static async Task<RpcException> CaptureAsync(GrpcChannel channel, string error)
    {
        var kv = new KV.KVClient(channel);
        try
        {
            switch (error)
            {
                case "empty key":
                    await kv.PutAsync(new PutRequest { Value = ByteString.CopyFromUtf8("v") }, Options());
                    break;
                case "duplicate txn key":
                    await kv.TxnAsync(new TxnRequest { Success = { new RequestOp { RequestPut = Put("side-by-side/dup", "1") }, new RequestOp { RequestPut = Put("side-by-side/dup", "2") } } }, Options());
                    break;
                case "unknown lease":
                    await new Lease.LeaseClient(channel).LeaseRevokeAsync(new LeaseRevokeRequest { ID = 0x7fff_0000_4321 }, Options());
                    break;
                case "compacted revision":
                    var old = (await kv.PutAsync(Put("side-by-side/compact", "1"), Options())).Header.Revision;
                    var latest = (await kv.PutAsync(Put("side-by-side/compact", "2"), Options())).Header.Revision;
                    await kv.CompactAsync(new CompactionRequest { Revision = latest }, Options());
                    await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("side-by-side/compact"), Revision = old }, Options());
                    break;
            }
        }
        catch (RpcException e)
        {
            return e;
        }

        throw new InvalidOperationException($"{error}: the call succeeded");
    }


    private static async Task<bool> WaitForValueAsync(GrpcChannel channel, RangeRequest read, string expected, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < within)
        {
            if (await ValueAsync(channel, read) == expected)
            {
                return true;
            }

            await Task.Delay(20);
        }

        return await ValueAsync(channel, read) == expected;
    }

    private static async Task<string> ValueAsync(GrpcChannel channel, RangeRequest read) =>
        (await new KV.KVClient(channel).RangeAsync(read, Options())).Kvs.SingleOrDefault()?.Value.ToStringUtf8() ?? "(none)";

    private async Task<long> NextRevisionAsync() =>
        (await new KV.KVClient(Member).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("side-by-side/none") }, Options())).Header.Revision + 1;

    private void Record(string @case, string member, string ours, string etcds) =>
        _output.WriteLine($"side by side | {@case} | member: {member} | ours: {ours} | etcd grpc-proxy: {etcds}");

    private UnreachableException SkipNow()
    {
        Assert.Skip(_fixture.MissingReason ?? "etcd is not installed");
        return new UnreachableException();
    }

    private static string Describe(RpcException e) => $"{e.StatusCode} \"{e.Status.Detail}\"";
}
