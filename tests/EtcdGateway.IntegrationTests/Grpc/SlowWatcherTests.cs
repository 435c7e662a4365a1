using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// A client that stops reading its watch stream holds back only itself: the others sharing its cluster watcher get every
/// event on time, and it gets every event, once, in order, when it reads again: from the shared history, or (once the
/// history has moved past it) from a catch-up watcher of its own.
/// </summary>
public sealed class SlowWatcherTests
{
    private const string WatchedKey = "slow/k";
    private const int Writes = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(10_000)]
    [InlineData(50)]
    public async Task A_Client_That_Stops_Reading_Does_Not_Stall_The_Others_And_Misses_Nothing(int historySize)
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--watch-history-size={historySize}", $"--metrics-addr={admin}"]);
        var clock = Stopwatch.StartNew();
        using var slowChannel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var kv = new KV.KVClient(direct);
        var create = new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(WatchedKey) } };

        // :: The slow client: its watcher is created, then it reads nothing more for a while (its own connection).
        using var slow = new Watch.WatchClient(slowChannel).Watch();
        await slow.RequestStream.WriteAsync(create);
        Assert.True(await slow.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(slow.ResponseStream.Current.Created);

        var others = new List<WatchRecorder>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var stream = WatchRecorder.Open(channel, clock);
                others.Add(stream);
                await stream.SendAsync(create);
                await stream.WaitForAsync(r => r.Created, Timeout);
            }

            // :: 200 writes of 64 KB: 12.5 MB, far more than the slow client's HTTP/2 windows hold.
            var value = ByteString.CopyFrom(new byte[64 * 1024]);
            var written = new List<(long Revision, TimeSpan At)>();
            for (var i = 0; i < Writes; i++)
            {
                var revision = (await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(WatchedKey), Value = value })).Header.Revision;
                written.Add((revision, clock.Elapsed));
            }

            // :: The others got everything, in order, each event within 2 s of its write.
            var acknowledged = written.ToDictionary(w => w.Revision, w => w.At);
            foreach (var stream in others)
            {
                await stream.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == written[^1].Revision), Timeout);
                var got = stream.Received.SelectMany(r => r.Response.Events.Select(e => (e.Kv.ModRevision, r.At))).ToList();
                Assert.Equal(written.Select(w => w.Revision), got.Select(g => g.ModRevision));
                var late = got.Where(g => g.At - acknowledged[g.ModRevision] > TimeSpan.FromSeconds(2)).ToList();
                Assert.True(late.Count == 0, $"{late.Count} events reached a fast client more than 2 s after their write");
            }

            // :: The slow client reads again: every event, once, in order.
            var slowGot = new List<long>();
            using var limit = new CancellationTokenSource(Timeout);
            while (slowGot.Count < Writes)
            {
                Assert.True(await slow.ResponseStream.MoveNext(limit.Token));
                Assert.False(slow.ResponseStream.Current.Canceled, slow.ResponseStream.Current.CancelReason);
                slowGot.AddRange(slow.ResponseStream.Current.Events.Select(e => e.Kv.ModRevision));
            }

            Assert.Equal(written.Select(w => w.Revision), slowGot);

            // With a history shorter than what the slow client missed, it was caught up alone (and then merged back).
            using var http = new HttpClient { Timeout = Timeout };
            var metrics = await WatchCoalescingTests.ScrapeAsync(http, $"{admin}/metrics");
            var slowWatchers = metrics["etcd_gateway_watch_slow_watchers_total"];
            Assert.True(historySize < Writes ? slowWatchers >= 1 : slowWatchers == 0, $"{slowWatchers} slow watchers with a history of {historySize}");
        }
        finally
        {
            foreach (var stream in others)
            {
                stream.Dispose();
            }
        }
    }
}
