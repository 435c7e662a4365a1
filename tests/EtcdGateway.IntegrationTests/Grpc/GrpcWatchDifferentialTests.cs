using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Watch semantics the proxy now keeps itself (it owns the client's watch ids and talks to members with its own), checked
/// against a member directly with the same requests: the same responses, in the same order, bar the header's member.
/// </summary>
public sealed class GrpcWatchDifferentialTests : IClassFixture<ClusterWithGrpcProxyFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly GrpcChannel _direct;
    private readonly GrpcChannel _proxy;

    private readonly ClusterWithGrpcProxyFixture _fixture;

    public GrpcWatchDifferentialTests(ClusterWithGrpcProxyFixture fixture)
    {
        _fixture = fixture;
        _direct = GrpcChannel.ForAddress($"http://{fixture.Cluster.Members[0].ClientAddress}");
        _proxy = GrpcChannel.ForAddress($"http://{fixture.Proxy.ListenAddress}");
    }

    public void Dispose()
    {
        _direct.Dispose();
        _proxy.Dispose();
    }

    [Fact]
    public async Task Automatic_And_Chosen_Ids_Duplicates_And_Cancels_Give_The_Same_Responses()
    {
        var next = await NextRevisionAsync();
        WatchRequest[] script =
        [
            Create("diff-ids/", next, id: 1),
            Create("diff-ids/", next, id: 0),
            Create("diff-ids/", next, id: 0),
            Create("diff-ids/", next, id: 1),
            Cancel(0),
            Cancel(0),
            Create("diff-ids/", next, id: 0),
            Create("diff-ids/", next, id: 0),
            Cancel(1),
            Create("diff-ids/", next, id: 1),
            Create("diff-ids/", next, id: -5),
            Create("diff-ids/b", next, id: 0, rangeEnd: "diff-ids/a"),
        ];

        var direct = await ScriptAsync(_direct, script, responses: 11);
        var proxied = await ScriptAsync(_proxy, script, responses: 11);

        Assert.Equal(direct, proxied);
        Assert.Equal(
            ["1 created", "0 created", "2 created", "-1 created canceled mvcc: duplicate watch ID provided on the WatchStream", "0 canceled"],
            proxied.Take(5).Select(r => r[..r.IndexOf(" rev=", StringComparison.Ordinal)]));
        Assert.Contains("-1 created canceled mvcc: watcher range is empty", proxied[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Watch_From_A_Compacted_Revision_Gets_The_Same_Compaction_Cancel()
    {
        var kv = new KV.KVClient(_direct);
        var old = (await kv.PutAsync(Put("diff-compact/k", "1"))).Header.Revision;
        var latest = (await kv.PutAsync(Put("diff-compact/k", "2"))).Header.Revision;
        await kv.CompactAsync(new CompactionRequest { Revision = latest, Physical = true });

        // A linearizable read on each member waits until it has applied everything before it, the compaction too.
        foreach (var member in _fixture.Cluster.Members)
        {
            using var channel = GrpcChannel.ForAddress($"http://{member.ClientAddress}");
            await new KV.KVClient(channel).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("diff-compact/k") });
        }

        WatchRequest[] script = [Create("diff-compact/", old, id: 3)];
        var direct = await ScriptAsync(_direct, script, responses: 2);
        var proxied = await ScriptAsync(_proxy, script, responses: 2);

        Assert.Equal(direct, proxied);
        Assert.StartsWith($"3 canceled compact={latest}", proxied[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fragments_Come_As_The_Member_Cuts_Them()
    {
        // Three values of 700 KB: caught up in one batch of 2.1 MB, over a member's 1.5 MiB request limit, so cut.
        var kv = new KV.KVClient(_direct);
        var big = ByteString.CopyFrom(new byte[700 * 1024]);
        var first = (await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("diff-fragment/a"), Value = big })).Header.Revision;
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("diff-fragment/b"), Value = big });
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("diff-fragment/c"), Value = big });

        var create = Create("diff-fragment/", first, id: 0);
        create.CreateRequest.Fragment = true;
        var direct = await ScriptAsync(_direct, [create], responses: 3);
        var proxied = await ScriptAsync(_proxy, [create], responses: 3);

        Assert.Equal(direct, proxied);
        Assert.Contains("fragment", proxied[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Stream_The_Client_Half_Closed_Keeps_Delivering_As_Etcd_Does()
    {
        var next = await NextRevisionAsync();
        var delivered = new List<string>();
        foreach (var channel in new[] { _direct, _proxy })
        {
            using var call = new Watch.WatchClient(channel).Watch(deadline: DateTime.UtcNow + Timeout);
            await call.RequestStream.WriteAsync(Create("diff-halfclosed/", next, id: 0));
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.True(call.ResponseStream.Current.Created);

            var written = (await new KV.KVClient(_direct).PutAsync(Put("diff-halfclosed/k", channel == _direct ? "direct" : "proxy"))).Header.Revision;
            while (delivered.Count < (channel == _direct ? 1 : 2))
            {
                Assert.True(await call.ResponseStream.MoveNext());
                delivered.AddRange(call.ResponseStream.Current.Events.Where(e => e.Kv.ModRevision == written).Select(e => e.Kv.Value.ToStringUtf8()));
            }
        }

        Assert.Equal(["direct", "proxy"], delivered);
    }

    [Fact]
    public async Task A_Replay_From_The_Shared_History_Carries_The_Stores_Revision_As_Etcd_Does()
    {
        // A watcher through the proxy holds the range's shared watch, so the write below is in the proxy's history.
        var kv = new KV.KVClient(_direct);
        using var holder = WatchRecorder.Open(_proxy, Stopwatch.StartNew());
        await holder.SendAsync(Create("diff-replay/", 0, id: 0));
        await holder.WaitForAsync(r => r.Created, Timeout);
        var written = (await kv.PutAsync(Put("diff-replay/k", "1"))).Header.Revision;
        await holder.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == written), Timeout);

        // The store moves on elsewhere: etcd sends the replay under the store's revision, not under its last event's.
        for (var i = 0; i < 3; i++)
        {
            await kv.PutAsync(Put("diff-replay-elsewhere", $"{i}"));
        }

        await SyncMembersAsync();
        WatchRequest[] script = [Create("diff-replay/", written, id: 0)];
        var direct = await ScriptAsync(_direct, script, responses: 2);
        var proxied = await ScriptAsync(_proxy, script, responses: 2);

        Assert.Equal(direct, proxied);
        Assert.Equal($"0 rev={written + 3} [diff-replay/k@{written}]", proxied[1]);
    }

    [Fact]
    public async Task A_Cancel_Carries_The_Stores_Revision_As_Etcd_Does()
    {
        var kv = new KV.KVClient(_direct);
        var behind = new List<long>();
        foreach (var channel in new[] { _direct, _proxy })
        {
            using var stream = WatchRecorder.Open(channel, Stopwatch.StartNew());
            await stream.SendAsync(Create("diff-cancel/", 0, id: 0));
            await stream.WaitForAsync(r => r.Created, Timeout);

            // A write outside the watched range: etcd answers the cancel at the store's revision, which includes it.
            var written = (await kv.PutAsync(Put("diff-cancel-elsewhere", "1"))).Header.Revision;
            await SyncMembersAsync();
            await stream.SendAsync(Cancel(0));
            var canceled = await stream.WaitForAsync(r => r.Canceled, Timeout);
            behind.Add(written - canceled.Response.Header.Revision);
        }

        Assert.Equal([0L, 0L], behind);
    }

    /// <summary>A linearizable read on each member: each has applied every write made before it.</summary>
    private async Task SyncMembersAsync()
    {
        foreach (var member in _fixture.Cluster.Members)
        {
            using var channel = GrpcChannel.ForAddress($"http://{member.ClientAddress}");
            await new KV.KVClient(channel).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("diff-none") });
        }
    }

    /// <summary>Each response as text: id, flags, reason, compaction, revision, events; the member's id left out.</summary>
    private static async Task<List<string>> ScriptAsync(GrpcChannel channel, IEnumerable<WatchRequest> script, int responses)
    {
        using var call = new Watch.WatchClient(channel).Watch(deadline: DateTime.UtcNow + Timeout);
        foreach (var request in script)
        {
            await call.RequestStream.WriteAsync(request);
        }

        var seen = new List<string>();
        while (seen.Count < responses && await call.ResponseStream.MoveNext())
        {
            var r = call.ResponseStream.Current;
            var flags = string.Join(' ', new[] { r.Created ? "created" : "", r.Canceled ? "canceled" : "", r.CancelReason, r.Fragment ? "fragment" : "" }.Where(f => f.Length > 0));
            var events = string.Join(", ", r.Events.Select(e => $"{e.Kv.Key.ToStringUtf8()}@{e.Kv.ModRevision}"));
            seen.Add($"{r.WatchId} {flags}{(r.CompactRevision != 0 ? $" compact={r.CompactRevision}" : "")} rev={r.Header.Revision} [{events}]".Replace("  ", " ", StringComparison.Ordinal));
        }

        return seen;
    }

    private async Task<long> NextRevisionAsync() =>
        (await new KV.KVClient(_direct).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("diff-none") })).Header.Revision + 1;

    private static WatchRequest Create(string prefix, long start, long id, string? rangeEnd = null) => new()
    {
        CreateRequest = new WatchCreateRequest
        {
            Key = ByteString.CopyFromUtf8(prefix),
            RangeEnd = rangeEnd is null ? PrefixEnd(prefix) : ByteString.CopyFromUtf8(rangeEnd),
            StartRevision = start,
            WatchId = id,
        },
    };

    private static WatchRequest Cancel(long id) => new() { CancelRequest = new WatchCancelRequest { WatchId = id } };

    private static PutRequest Put(string key, string value) => new() { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) };

    private static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }
}
