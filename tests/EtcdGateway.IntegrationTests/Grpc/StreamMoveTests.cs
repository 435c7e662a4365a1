using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Watch streams through the proxy outlive the member under them: hung (SIGSTOP, taken out of rotation by health) or
/// killed (kill -9), the stream moves to another member and the client sees nothing of it: every event once, in order,
/// within seconds of its write, under the same watch ids. (Keep-alive streams share one stream to the cluster, which
/// moves the same way: LeaseCoalescingTests.)
/// </summary>
public class StreamMoveTests
{
    private const string Prefix = "move/";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>From a write's acknowledgement to its event at the client, at worst (a hang costs detection + eject-grace, ~3.5 s).</summary>
    private static readonly TimeSpan LatestDelivery = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Watches_Survive_A_Hung_Then_A_Killed_Member()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var clock = Stopwatch.StartNew();
        var leader = await cluster.LeaderIndexAsync();
        var members = await MemberIndexesAsync(cluster);
        using var writer = new ClusterWriter(cluster, leader, Prefix + "k", clock);
        var start = (await new KV.KVClient(channel).PutAsync(new PutRequest { Key = Key(Prefix + "start"), Value = Key("0") })).Header.Revision + 1;

        // :: Two watch streams on one member that is not the leader (so the writes keep flowing while it hangs): A with
        // an automatic id and a chosen one, half-closed as etcdctl and Go clients do; B left open for a progress request.
        var (victim, a, b) = await TwoWatchStreamsOnOneFollowerAsync(channel, members, leader, start, clock);
        using var streamA = a;
        using var streamB = b;
        await streamA.SendAsync(Create(start, id: 42));
        await streamA.WaitForAsync(r => r.Created && r.WatchId == 42, Timeout);
        await streamA.Call.RequestStream.CompleteAsync();

        // :: etcdctl watching through the proxy.
        using var etcdctl = Etcdctl.StartLongRunning(proxy.ListenAddress, "watch", Prefix + "k", $"--rev={start}");
        var etcdctlLines = new LineReader(etcdctl);
        try
        {
            using var stopWriting = new CancellationTokenSource();
            var writing = writer.RunAsync(TimeSpan.FromMilliseconds(50), stopWriting.Token);
            await Task.Delay(TimeSpan.FromSeconds(2));

            // :: The member hangs: health takes it out, its streams move.
            cluster.Stop(victim);
            var hungAt = streamA.Received.Count;
            var moved = await streamA.WaitForAsync(r => r.Events.Count > 0 && members[r.Header.MemberId] != victim, Timeout, hungAt);
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.Continue(victim);

            // :: The member the streams are on now is killed.
            var second = members[moved.Response.Header.MemberId];
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.Kill(second);
            var killedAt = streamA.Received.Count;
            await streamA.WaitForAsync(r => r.Events.Count > 0 && members[r.Header.MemberId] != second, Timeout, killedAt);

            // :: Still answered after the moves: a progress request (etcd answers it for the whole stream, id -1).
            var beforeProgress = streamB.Received.Count;
            await streamB.SendAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() });
            await streamB.WaitForAsync(r => r.WatchId == -1 && r.Events.Count == 0 && !r.Created, Timeout, beforeProgress);

            await Task.Delay(TimeSpan.FromSeconds(2));
            await stopWriting.CancelAsync();
            await writing;

            // :: What the cluster holds, read straight from a live member, is what every client got: once, in order.
            var expected = await HistoryAsync(cluster, [victim, second], start, writer.Written[^1].Revision);
            var last = expected[^1].Revision;
            foreach (var (stream, id) in new[] { (streamA, 0L), (streamA, 42L), (streamB, 0L) })
            {
                await stream.WaitForAsync(r => r.WatchId == id && r.Events.Any(e => e.Kv.ModRevision == last), Timeout);
                var got = Delivered(stream, id);
                Assert.Equal(expected, got.Select(g => (g.Revision, g.Value)).ToList());
                AssertOnTime(writer, got, proxy);
            }

            Assert.Equal(2, streamA.Received.Count(r => r.Response.Created));
            Assert.All(streamA.Received, r => Assert.Contains(r.Response.WatchId, new[] { 0L, 42L }));
            Assert.Null(streamA.Error);
            Assert.Equal(expected.Select(e => e.Value), await EtcdctlValuesAsync(etcdctlLines, expected.Count));
        }
        finally
        {
            cluster.Continue(victim);
            etcdctl.Kill(entireProcessTree: true);
            etcdctl.Dispose();
        }
    }

    [Fact]
    public async Task Many_Watch_Streams_Survive_Each_Member_Killed_In_Turn()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var clock = Stopwatch.StartNew();
        using var writer = new ClusterWriter(cluster, await cluster.LeaderIndexAsync(), Prefix + "k", clock);
        var start = (await new KV.KVClient(channel).PutAsync(new PutRequest { Key = Key(Prefix + "start"), Value = Key("0") })).Header.Revision + 1;

        // All share one cluster watcher, which the kills below move from member to member.
        var streams = new List<WatchRecorder>();
        try
        {
            for (var i = 0; i < 30; i++)
            {
                var stream = WatchRecorder.Open(channel, clock);
                streams.Add(stream);
                await stream.SendAsync(Create(start, id: i % 2 == 0 ? 0 : 100 + i));
            }

            foreach (var stream in streams)
            {
                await stream.WaitForAsync(r => r.Created, Timeout);
            }

            using var stopWriting = new CancellationTokenSource();
            var writing = writer.RunAsync(TimeSpan.FromMilliseconds(50), stopWriting.Token);
            for (var member = 0; member < 3; member++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                cluster.Kill(member);
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                await cluster.RestartAsync(member);
            }

            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await stopWriting.CancelAsync();
            await writing;

            var expected = await HistoryAsync(cluster, [], start, writer.Written[^1].Revision);
            for (var i = 0; i < streams.Count; i++)
            {
                var id = i % 2 == 0 ? 0 : 100 + i;
                await streams[i].WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == expected[^1].Revision), Timeout);
                var got = Delivered(streams[i], id);
                Assert.Equal(expected, got.Select(g => (g.Revision, g.Value)).ToList());
                AssertOnTime(writer, got, proxy);
                Assert.Single(streams[i].Received, r => r.Response.Created);
                Assert.All(streams[i].Received, r => Assert.Equal(id, r.Response.WatchId));
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                stream.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_Watch_Whose_Revision_Was_Compacted_While_Its_Member_Hung_Gets_Etcds_Compaction_Cancel()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var clock = Stopwatch.StartNew();
        var leader = await cluster.LeaderIndexAsync();
        var members = await MemberIndexesAsync(cluster);
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[leader].ClientAddress}");
        var kv = new KV.KVClient(direct);

        // A quiet key watched from now, on a follower.
        WatchRecorder? watch = null;
        var victim = -1;
        long created = 0;
        for (var i = 0; i < 9 && watch is null; i++)
        {
            var stream = WatchRecorder.Open(channel, clock);
            await stream.SendAsync(Create(0, id: 7));
            var answer = (await stream.WaitForAsync(r => r.Created, Timeout)).Response;
            if (members[answer.Header.MemberId] != leader)
            {
                (watch, victim, created) = (stream, members[answer.Header.MemberId], answer.Header.Revision);
            }
            else
            {
                // Closed, its shared cluster watcher goes too; the next one is made on the next member.
                stream.Dispose();
                await Task.Delay(300);
            }
        }

        Assert.NotNull(watch);
        using (watch)
        {
            try
            {
                // While its member hangs, the cluster moves on and compacts past where the watch would resume.
                cluster.Stop(victim);
                for (var i = 0; i < 3; i++)
                {
                    await kv.PutAsync(new PutRequest { Key = Key("elsewhere"), Value = Key("x") });
                }

                var compacted = (await kv.PutAsync(new PutRequest { Key = Key("elsewhere"), Value = Key("x") })).Header.Revision;
                await kv.CompactAsync(new CompactionRequest { Revision = compacted, Physical = true });

                WatchResponse notice;
                try
                {
                    notice = (await watch.WaitForAsync(r => r.Canceled, Timeout, from: 1)).Response;
                }
                catch (TimeoutException)
                {
                    TestContext.Current.TestOutputHelper?.WriteLine(proxy.Log);
                    throw;
                }

                // What etcd itself says to a watch from that revision.
                using var etcds = new Watch.WatchClient(direct).Watch();
                await etcds.RequestStream.WriteAsync(Create(created + 1, id: 7));
                Assert.True(await etcds.ResponseStream.MoveNext());
                Assert.True(etcds.ResponseStream.Current.Created);
                Assert.True(await etcds.ResponseStream.MoveNext());
                var expected = etcds.ResponseStream.Current;

                Assert.Equal((7L, true, compacted, expected.CancelReason), (notice.WatchId, notice.Canceled, notice.CompactRevision, notice.CancelReason));
                Assert.Equal((expected.WatchId, expected.CompactRevision), (notice.WatchId, notice.CompactRevision));
                Assert.Single(watch.Received, r => r.Response.Created);
                Assert.DoesNotContain(watch.Received, r => r.Response.Events.Count > 0);
            }
            finally
            {
                cluster.Continue(victim);
            }
        }
    }

    [Fact]
    public async Task A_Watch_That_Requires_A_Leader_Is_Refused_As_Etcd_Refuses_It_When_The_Cluster_Has_None()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        cluster.Kill(1);
        cluster.Kill(2);
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var proxied = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var hasLeader = new Metadata { { "hasleader", "true" } };

        // The survivor notices within an election timeout or two that it has no leader.
        var etcds = await RefusalAsync(direct, hasLeader, TimeSpan.FromSeconds(15));
        var ours = await RefusalAsync(proxied, hasLeader, Timeout);

        Assert.Equal((StatusCode.Unavailable, "etcdserver: no leader"), (etcds.StatusCode, etcds.Status.Detail));
        Assert.Equal((etcds.StatusCode, etcds.Status.Detail), (ours.StatusCode, ours.Status.Detail));
    }

    /// <summary>Watches with <paramref name="headers"/> until the stream is refused; the refusal.</summary>
    private static async Task<RpcException> RefusalAsync(GrpcChannel channel, Metadata headers, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var stream = WatchRecorder.Open(channel, clock, headers);
            await stream.SendAsync(Create(0, id: 0));
            try
            {
                await stream.WaitForAsync(r => r.Created, TimeSpan.FromSeconds(3));
            }
            catch (TimeoutException) when (stream.Error is RpcException refused)
            {
                return refused;
            }

            Assert.True(clock.Elapsed < within, "the watch was never refused");
            await Task.Delay(500);
        }
    }

    private static async Task<(int Member, WatchRecorder A, WatchRecorder B)> TwoWatchStreamsOnOneFollowerAsync(
        GrpcChannel channel, IReadOnlyDictionary<ulong, int> members, int leader, long start, Stopwatch clock)
    {
        // The streams' watchers share one cluster watcher (its member is in their Created responses); on the leader, all
        // are closed, the shared watcher with them, and the next one lands on the next member of the round-robin pick.
        var byMember = new Dictionary<int, List<WatchRecorder>>();
        for (var i = 0; i < 9; i++)
        {
            var stream = WatchRecorder.Open(channel, clock);
            await stream.SendAsync(Create(start, id: 0));
            var created = await stream.WaitForAsync(r => r.Created, Timeout);
            Assert.Equal(0, created.Response.WatchId);
            var member = members[created.Response.Header.MemberId];
            (byMember.TryGetValue(member, out var list) ? list : byMember[member] = []).Add(stream);
            if (member == leader)
            {
                foreach (var other in byMember.Values.SelectMany(s => s))
                {
                    other.Dispose();
                }

                byMember.Clear();
                await Task.Delay(300);
                continue;
            }

            if (byMember[member].Count == 2)
            {
                return (member, byMember[member][0], byMember[member][1]);
            }
        }

        throw new InvalidOperationException($"no two watch streams on one follower: {string.Join(", ", byMember.Select(p => $"{p.Key}: {p.Value.Count}"))}");
    }

    /// <summary>Every put on the key from <paramref name="from"/> to <paramref name="to"/>, as a member that is still up has them.</summary>
    private static async Task<List<(long Revision, string Value)>> HistoryAsync(EtcdCluster cluster, int[] down, long from, long to)
    {
        var live = cluster.Members.Where((_, i) => !down.Contains(i)).First();
        using var direct = GrpcChannel.ForAddress($"http://{live.ClientAddress}");
        using var watch = new Watch.WatchClient(direct).Watch();
        await watch.RequestStream.WriteAsync(Create(from, id: 0));
        var history = new List<(long, string)>();
        using var limit = new CancellationTokenSource(Timeout);
        while (history.Count == 0 || history[^1].Item1 < to)
        {
            Assert.True(await watch.ResponseStream.MoveNext(limit.Token));
            history.AddRange(watch.ResponseStream.Current.Events.Select(e => (e.Kv.ModRevision, e.Kv.Value.ToStringUtf8())));
        }

        return history;
    }

    private static List<(long Revision, string Value, TimeSpan At)> Delivered(WatchRecorder stream, long id) =>
        [.. stream.Received.Where(r => r.Response.WatchId == id).SelectMany(r => r.Response.Events.Select(e => (e.Kv.ModRevision, e.Kv.Value.ToStringUtf8(), r.At)))];

    private static void AssertOnTime(ClusterWriter writer, List<(long Revision, string Value, TimeSpan At)> delivered, GatewayProcess proxy)
    {
        var acknowledged = writer.Written.ToDictionary(w => w.Revision, w => w.At);
        var delays = delivered.Where(d => acknowledged.ContainsKey(d.Revision)).Select(d => d.At - acknowledged[d.Revision]).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"{delivered.Count} events, slowest {delays.Max().TotalMilliseconds:F0} ms after its write");
        var late = delivered.Where(d => acknowledged.TryGetValue(d.Revision, out var at) && d.At - at > LatestDelivery).ToList();
        Assert.True(late.Count == 0, $"events delivered later than {LatestDelivery} after their write: {string.Join(", ", late.Take(5).Select(l => $"{l.Revision} at {l.At - acknowledged[l.Revision]}"))}\n{proxy.Log}");
    }

    private static async Task<List<string>> EtcdctlValuesAsync(LineReader lines, int count)
    {
        // etcdctl prints each event as three lines: PUT, the key, the value.
        var values = new List<string>();
        while (values.Count < count)
        {
            Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            Assert.Equal(Prefix + "k", await lines.ReadAsync(Timeout));
            values.Add(await lines.ReadAsync(Timeout));
        }

        return values;
    }

    private static async Task<IReadOnlyDictionary<ulong, int>> MemberIndexesAsync(EtcdCluster cluster)
    {
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var list = await new Cluster.ClusterClient(direct).MemberListAsync(new MemberListRequest());
        return list.Members.ToDictionary(m => m.ID, m => cluster.Members.Select((x, i) => (x, i)).Single(p => m.ClientURLs.Contains($"http://{p.x.ClientAddress}")).i);
    }

    private static WatchRequest Create(long start, long id) => new()
    {
        CreateRequest = new WatchCreateRequest { Key = Key(Prefix + "k"), StartRevision = start, WatchId = id },
    };

    private static ByteString Key(string key) => ByteString.CopyFromUtf8(key);
}
