using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The proxy holds at most <c>--watch-catch-up-limit</c> catch-up watchers (client watchers older than the shared
/// history, each with a cluster watcher of its own) at once; a watcher beyond the limit waits, first come first served,
/// for one to end, and then gets every event, once, in order, as if it had not waited.
/// </summary>
public sealed class CatchUpLimitTests
{
    private const string WatchedKey = "catchup-limit/k";

    /// <summary>More than one catch-up batch (etcd's 1,000 revisions), so a catch-up stays open while its client stalls.</summary>
    private const int Writes = 1100;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_Catch_Up_Beyond_The_Limit_Waits_For_A_Free_Place_And_Misses_Nothing()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([
            $"--endpoints={cluster.ClientEndpoints}", "--watch-history-size=5", "--watch-catch-up-limit=1", $"--metrics-addr={admin}"]);
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = Timeout };
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var holderChannel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var stalledChannel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var waitingChannel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");

        // :: A watcher from now holds the shared watch (history: the last 5 events); 1,100 writes of 8 KB go past it.
        using var holder = WatchRecorder.Open(holderChannel, clock);
        await holder.SendAsync(Create(0));
        await holder.WaitForAsync(r => r.Created, Timeout);
        var written = await WriteAsync(new KV.KVClient(direct));
        await holder.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == written[^1]), Timeout);

        // The holder itself may have fallen behind 5 events while the writes went on, and been caught up: count from here.
        await WaitForMetricAsync(http, admin, "etcd_gateway_watch_catch_ups_waiting", 0);
        var before = (await WatchCoalescingTests.ScrapeAsync(http, $"{admin}/metrics"))["etcd_gateway_watch_catch_ups_total"];

        // :: The first watcher from the first write needs a catch-up; its client reads nothing more, so the catch-up stays.
        using var stalled = new Watch.WatchClient(stalledChannel).Watch();
        await stalled.RequestStream.WriteAsync(Create(written[0]));
        Assert.True(await stalled.ResponseStream.MoveNext(CancellationToken.None));
        Assert.True(stalled.ResponseStream.Current.Created);
        await WaitForMetricAsync(http, admin, "etcd_gateway_watch_catch_ups_total", before + 1);

        // :: The second one is created, and waits: no events while the only place is taken.
        using var waiting = WatchRecorder.Open(waitingChannel, clock);
        await waiting.SendAsync(Create(written[0]));
        await waiting.WaitForAsync(r => r.Created, Timeout);
        await WaitForMetricAsync(http, admin, "etcd_gateway_watch_catch_ups_waiting", 1);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(waiting.Received, r => r.Response.Events.Count > 0);
        Assert.Equal(before + 1, (await WatchCoalescingTests.ScrapeAsync(http, $"{admin}/metrics"))["etcd_gateway_watch_catch_ups_total"]);

        // :: The first client reads again: it gets everything; then the second has its turn and gets everything too.
        var stalledGot = new List<long>();
        using (var limit = new CancellationTokenSource(Timeout))
        {
            while (stalledGot.Count < Writes)
            {
                Assert.True(await stalled.ResponseStream.MoveNext(limit.Token));
                stalledGot.AddRange(stalled.ResponseStream.Current.Events.Select(e => e.Kv.ModRevision));
            }
        }

        Assert.Equal(written, stalledGot);
        await waiting.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == written[^1]), Timeout);
        Assert.Equal(written, waiting.Received.SelectMany(r => r.Response.Events.Select(e => e.Kv.ModRevision)));
        await WaitForMetricAsync(http, admin, "etcd_gateway_watch_catch_ups_waiting", 0);
        Assert.Equal(before + 2, (await WatchCoalescingTests.ScrapeAsync(http, $"{admin}/metrics"))["etcd_gateway_watch_catch_ups_total"]);
    }

    private static async Task<List<long>> WriteAsync(KV.KVClient kv)
    {
        var value = ByteString.CopyFrom(new byte[8 * 1024]);
        var revisions = new List<long>();
        for (var done = 0; done < Writes; done += 50)
        {
            var batch = Enumerable.Range(0, Math.Min(50, Writes - done))
                .Select(_ => kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(WatchedKey), Value = value }).ResponseAsync);
            revisions.AddRange((await Task.WhenAll(batch)).Select(r => r.Header.Revision));
        }

        revisions.Sort();
        return revisions;
    }

    private static async Task WaitForMetricAsync(HttpClient http, string admin, string name, long expected)
    {
        var waited = Stopwatch.StartNew();
        var last = -1L;
        while (waited.Elapsed < TimeSpan.FromSeconds(15))
        {
            if ((await WatchCoalescingTests.ScrapeAsync(http, $"{admin}/metrics")).TryGetValue(name, out last) && last == expected)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{name} was {last}, not {expected}");
    }

    private static WatchRequest Create(long start) =>
        new() { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(WatchedKey), StartRevision = start } };
}
