using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mvccpb;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The same calls, made with an independent client (dotnet-etcd's generated code) to a member directly and through the
/// proxy, give the same answers: results, branches, error codes and messages. Only the header's member and term may
/// differ, as the proxy may pick another member.
/// </summary>
public sealed class GrpcDifferentialTests : IClassFixture<ClusterWithGrpcProxyFixture>, IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _direct;
    private readonly GrpcChannel _proxy;

    public GrpcDifferentialTests(ClusterWithGrpcProxyFixture fixture)
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
    public async Task Range_Options_Give_The_Same_Answers()
    {
        var kv = new KV.KVClient(_direct);
        var first = (await kv.PutAsync(Put("diff-range/a", "3"), Options())).Header.Revision;
        await kv.PutAsync(Put("diff-range/b", "1"), Options());
        await kv.PutAsync(Put("diff-range/c", "2"), Options());
        await kv.PutAsync(Put("diff-range/a", "4"), Options());
        await kv.PutAsync(Put("diff-range/d", "0"), Options());

        RangeRequest[] requests =
        [
            Range("diff-range/a"),
            Range("diff-range/", prefix: true),
            new(Range("diff-range/", prefix: true)) { Limit = 2 },
            new(Range("diff-range/", prefix: true)) { SortOrder = RangeRequest.Types.SortOrder.Descend, SortTarget = RangeRequest.Types.SortTarget.Value },
            new(Range("diff-range/", prefix: true)) { SortOrder = RangeRequest.Types.SortOrder.Ascend, SortTarget = RangeRequest.Types.SortTarget.Mod, Limit = 3 },
            new(Range("diff-range/", prefix: true)) { KeysOnly = true },
            new(Range("diff-range/", prefix: true)) { CountOnly = true },
            new(Range("diff-range/", prefix: true)) { Revision = first },
            new(Range("diff-range/", prefix: true)) { MinModRevision = first + 2 },
            new(Range("diff-range/", prefix: true)) { MaxCreateRevision = first + 1 },
            new(Range("diff-range/a")) { RangeEnd = ByteString.CopyFromUtf8("diff-range/c") },
            Range("diff-range/none"),
        ];

        foreach (var request in requests)
        {
            var direct = await new KV.KVClient(_direct).RangeAsync(request, Options());
            var proxied = await new KV.KVClient(_proxy).RangeAsync(request, Options());
            Assert.Equal(Comparable(direct), Comparable(proxied));
        }
    }

    [Fact]
    public async Task Txn_Branches_Give_The_Same_Answers()
    {
        var results = new List<string>();
        foreach (var (channel, side) in new[] { (_direct, "direct"), (_proxy, "proxy") })
        {
            var kv = new KV.KVClient(channel);
            var key = $"diff-txn-{side}/k";
            await kv.PutAsync(Put(key, "v1"), Options());
            foreach (var expected in new[] { "v1", "other" })
            {
                var txn = new TxnRequest
                {
                    Compare = { new Compare { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = ByteString.CopyFromUtf8(expected) } },
                    Success = { new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("v2"), PrevKv = true } }, new RequestOp { RequestRange = Range(key) } },
                    Failure = { new RequestOp { RequestRange = Range(key) }, new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key + "-absent") } } },
                };
                var response = await kv.TxnAsync(txn, Options());
                results.Add(string.Join(" | ", response.Succeeded, string.Join(", ", response.Responses.Select(r => r.ResponseCase + ":" + OpSummary(r)))).Replace(side, "S", StringComparison.Ordinal));
            }
        }

        Assert.Equal(results[..2], results[2..]);
        Assert.StartsWith("True", results[0], StringComparison.Ordinal);
        Assert.StartsWith("False", results[1], StringComparison.Ordinal);
    }

    public static TheoryData<string, StatusCode> Errors => new()
    {
        { "future revision", StatusCode.OutOfRange },
        { "compacted revision", StatusCode.OutOfRange },
        { "unknown lease", StatusCode.NotFound },
        { "empty key", StatusCode.InvalidArgument },
        { "duplicate txn key", StatusCode.InvalidArgument },
        { "request too large", StatusCode.InvalidArgument },
        { "message too large", StatusCode.ResourceExhausted },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Errors_Keep_Etcds_Code_And_Message(string error, StatusCode code)
    {
        var direct = await CaptureAsync(_direct, error);
        var proxied = await CaptureAsync(_proxy, error);
        Assert.Equal(code, direct.StatusCode);
        Assert.Equal(code, proxied.StatusCode);
        if (error != "message too large")
        {
            // The size limit is checked by whichever side sees the message first: the member's server directly, the proxy's
            // client (--max-send-bytes) through the proxy, as in etcd's proxy. The code is the same, the wording gRPC's own.
            Assert.Equal(direct.Status.Detail, proxied.Status.Detail);
        }
    }

    [Fact]
    public async Task Lease_TimeToLive_With_Keys_Gives_The_Same_Answer()
    {
        var lease = new Lease.LeaseClient(_proxy);
        var granted = await lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = 120 }, Options());
        var kv = new KV.KVClient(_proxy);
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("diff-lease/b"), Value = ByteString.CopyFromUtf8("1"), Lease = granted.ID }, Options());
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("diff-lease/a"), Value = ByteString.CopyFromUtf8("1"), Lease = granted.ID }, Options());

        var direct = await new Lease.LeaseClient(_direct).LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = granted.ID, Keys = true }, Options());
        var proxied = await lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = granted.ID, Keys = true }, Options());
        Assert.Equal((direct.ID, direct.GrantedTTL), (proxied.ID, proxied.GrantedTTL));
        Assert.Equal(direct.Keys.Select(k => k.ToStringUtf8()).Order(), proxied.Keys.Select(k => k.ToStringUtf8()).Order());
        Assert.Equal(["diff-lease/a", "diff-lease/b"], proxied.Keys.Select(k => k.ToStringUtf8()).Order());
        Assert.InRange(proxied.TTL, direct.TTL - 1, direct.TTL + 1);

        var unknown = new LeaseTimeToLiveRequest { ID = granted.ID + 1_000_000 };
        Assert.Equal((await new Lease.LeaseClient(_direct).LeaseTimeToLiveAsync(unknown, Options())).TTL, (await lease.LeaseTimeToLiveAsync(unknown, Options())).TTL);
        await lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = granted.ID }, Options());
    }

    [Fact]
    public async Task Watch_From_A_Revision_With_PrevKv_And_Filters_Gives_The_Same_Events()
    {
        var kv = new KV.KVClient(_direct);
        var start = (await kv.PutAsync(Put("diff-watch/k", "1"), Options())).Header.Revision;
        await kv.PutAsync(Put("diff-watch/k", "2"), Options());
        await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8("diff-watch/k") }, Options());
        await kv.PutAsync(Put("diff-watch/k2", "3"), Options());

        WatchRequest[] script =
        [
            Create("diff-watch/", start, id: 0, prevKv: true),
            Create("diff-watch/", start, id: 0, filters: [WatchCreateRequest.Types.FilterType.Noput]),
            Create("diff-watch/", start, id: 0, filters: [WatchCreateRequest.Types.FilterType.Nodelete]),
        ];
        // etcd interleaves different watchers' responses on one stream as it likes: compare each watcher's, in order.
        var direct = ByWatcher(await WatchScriptAsync(_direct, script, responses: 6));
        var proxied = ByWatcher(await WatchScriptAsync(_proxy, script, responses: 6));
        Assert.Equal(direct, proxied);
        Assert.Contains(proxied, r => r.Contains("PUT diff-watch/k=2 prev=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_Client_Ids_Progress_And_Cancel_Give_The_Same_Responses()
    {
        var revision = (await new KV.KVClient(_direct).PutAsync(Put("diff-watch-ids/k", "x"), Options())).Header.Revision;
        WatchRequest[] script =
        [
            Create("diff-watch-ids/", revision + 1, id: 7),
            Create("diff-watch-ids/", revision + 1, id: 42),
            new() { ProgressRequest = new WatchProgressRequest() },
            new() { CancelRequest = new WatchCancelRequest { WatchId = 7 } },
        ];
        var direct = await WatchScriptAsync(_direct, script, responses: 4);
        var proxied = await WatchScriptAsync(_proxy, script, responses: 4);
        Assert.Equal(direct, proxied);
        Assert.StartsWith("id=7 created", proxied[0], StringComparison.Ordinal);
        Assert.StartsWith("id=42 created", proxied[1], StringComparison.Ordinal);
        Assert.Contains(proxied, r => r.StartsWith("id=7 canceled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_Stream_Half_Closed_By_The_Client_Keeps_Delivering()
    {
        var revision = (await new KV.KVClient(_direct).PutAsync(Put("diff-halfclose/k", "0"), Options())).Header.Revision;
        using var call = new Watch.WatchClient(_proxy).Watch(Options());
        await call.RequestStream.WriteAsync(Create("diff-halfclose/", revision + 1, id: 0));
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.True(call.ResponseStream.Current.Created);

        await new KV.KVClient(_direct).PutAsync(Put("diff-halfclose/k", "1"), Options());
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("1", Assert.Single(call.ResponseStream.Current.Events).Kv.Value.ToStringUtf8());
    }

    [Fact]
    public async Task Deadline_Reaches_The_Member()
    {
        var lockClient = new V3Lockpb.Lock.LockClient(_proxy);
        var lease = await new Lease.LeaseClient(_proxy).LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 }, Options());
        var held = await lockClient.LockAsync(new V3Lockpb.LockRequest { Name = ByteString.CopyFromUtf8("diff-deadline"), Lease = lease.ID }, Options());
        try
        {
            var other = await new Lease.LeaseClient(_proxy).LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 }, Options());
            var started = DateTime.UtcNow;
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
                await lockClient.LockAsync(new V3Lockpb.LockRequest { Name = ByteString.CopyFromUtf8("diff-deadline"), Lease = other.ID }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(1))));
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));

            // Whoever notices first answers: the client's own timer (DeadlineExceeded), or the member, whose lock service
            // returns Go's context error as Unknown "context deadline exceeded" (directly too: that is etcd's answer).
            Assert.True(
                error.StatusCode == StatusCode.DeadlineExceeded || (error.StatusCode == StatusCode.Unknown && error.Status.Detail == "context deadline exceeded"),
                error.ToString());
        }
        finally
        {
            await lockClient.UnlockAsync(new V3Lockpb.UnlockRequest { Key = held.Key }, Options());
        }
    }

    private static async Task<RpcException> CaptureAsync(GrpcChannel channel, string error)
    {
        var kv = new KV.KVClient(channel);
        try
        {
            switch (error)
            {
                case "future revision":
                    var now = (await kv.RangeAsync(Range("diff-err/none"), Options())).Header.Revision;
                    await kv.RangeAsync(new RangeRequest(Range("diff-err/none")) { Revision = now + 1000 }, Options());
                    break;
                case "compacted revision":
                    var old = (await kv.PutAsync(Put("diff-err/compact", "1"), Options())).Header.Revision;
                    var latest = (await kv.PutAsync(Put("diff-err/compact", "2"), Options())).Header.Revision;
                    await kv.CompactAsync(new CompactionRequest { Revision = latest }, Options());
                    await kv.RangeAsync(new RangeRequest(Range("diff-err/compact")) { Revision = old }, Options());
                    break;
                case "unknown lease":
                    await new Lease.LeaseClient(channel).LeaseRevokeAsync(new LeaseRevokeRequest { ID = 0x7fff_0000_1234 }, Options());
                    break;
                case "empty key":
                    await kv.PutAsync(new PutRequest { Value = ByteString.CopyFromUtf8("v") }, Options());
                    break;
                case "duplicate txn key":
                    await kv.TxnAsync(new TxnRequest { Success = { new RequestOp { RequestPut = Put("diff-err/dup", "1") }, new RequestOp { RequestPut = Put("diff-err/dup", "2") } } }, Options());
                    break;
                case "request too large":
                    // Within the proxy's --max-send-bytes (1.5 MiB) but over the member's limit on a request once wrapped
                    // for raft (also 1.5 MiB): the member's own InvalidArgument.
                    await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("k"), Value = ByteString.CopyFrom(new byte[1572852]) }, Options());
                    break;
                case "message too large":
                    await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("k"), Value = ByteString.CopyFrom(new byte[3 * 1024 * 1024]) }, Options());
                    break;
            }
        }
        catch (RpcException e)
        {
            return e;
        }

        throw new InvalidOperationException($"{error}: the call succeeded");
    }

    private static async Task<List<string>> WatchScriptAsync(GrpcChannel channel, IEnumerable<WatchRequest> script, int responses)
    {
        using var call = new Watch.WatchClient(channel).Watch(Options());
        foreach (var request in script)
        {
            await call.RequestStream.WriteAsync(request);
        }

        var seen = new List<string>();
        while (seen.Count < responses && await call.ResponseStream.MoveNext())
        {
            var r = call.ResponseStream.Current;
            var events = string.Join("; ", r.Events.Select(e => $"{e.Type.ToString().ToUpperInvariant()} {e.Kv.Key.ToStringUtf8()}={e.Kv.Value.ToStringUtf8()}{(e.PrevKv is { } p ? $" prev={p.Value.ToStringUtf8()}" : "")} mod={e.Kv.ModRevision}"));
            seen.Add($"id={r.WatchId} {(r.Created ? "created" : "")}{(r.Canceled ? "canceled" : "")} compact={r.CompactRevision} reason={r.CancelReason} rev={r.Header.Revision} [{events}]");
        }

        return seen;
    }

    private static List<string> ByWatcher(List<string> responses) => [.. responses.OrderBy(r => r[..r.IndexOf(' ', StringComparison.Ordinal)], StringComparer.Ordinal)];

    private static WatchRequest Create(string prefix, long startRevision, long id, bool prevKv = false, WatchCreateRequest.Types.FilterType[]? filters = null) => new()
    {
        CreateRequest = new WatchCreateRequest
        {
            Key = ByteString.CopyFromUtf8(prefix),
            RangeEnd = PrefixEnd(prefix),
            StartRevision = startRevision,
            WatchId = id,
            PrevKv = prevKv,
            Filters = { filters ?? [] },
        },
    };

    private static string Comparable(RangeResponse response) =>
        $"cluster={response.Header.ClusterId} rev={response.Header.Revision} more={response.More} count={response.Count} kvs=[{string.Join(", ", response.Kvs.Select(Kv))}]";

    private static string OpSummary(ResponseOp op) => op.ResponseCase switch
    {
        ResponseOp.ResponseOneofCase.ResponseRange => string.Join(",", op.ResponseRange.Kvs.Select(k => $"{k.Key.ToStringUtf8()}={k.Value.ToStringUtf8()} v{k.Version}")),
        ResponseOp.ResponseOneofCase.ResponsePut => op.ResponsePut.PrevKv?.Value.ToStringUtf8() ?? "",
        ResponseOp.ResponseOneofCase.ResponseDeleteRange => op.ResponseDeleteRange.Deleted.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "",
    };

    private static string Kv(KeyValue kv) => $"{kv.Key.ToStringUtf8()}={kv.Value.ToStringUtf8()} c{kv.CreateRevision} m{kv.ModRevision} v{kv.Version} l{kv.Lease}";

    private static PutRequest Put(string key, string value) => new() { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) };

    private static RangeRequest Range(string key, bool prefix = false) =>
        new() { Key = ByteString.CopyFromUtf8(key), RangeEnd = prefix ? PrefixEnd(key) : ByteString.Empty };

    private static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    private static CallOptions Options() => new(deadline: DateTime.UtcNow + CallTimeout);
}
