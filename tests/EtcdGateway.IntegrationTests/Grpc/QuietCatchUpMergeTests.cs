using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// A catch-up watcher on a range where nothing more happens is merged into the shared one as soon as its member's
/// progress notification says it has every event up to the store's revision (etcd sends those only to a watcher that is
/// caught up), not at the range's next event; what the client gets is unchanged: every event once, in order.
/// </summary>
public sealed class QuietCatchUpMergeTests
{
    private const string WatchedKey = "quiet-catchup/k";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_Catch_Up_On_A_Quiet_Range_Merges_At_Its_Progress_Notification()
    {
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 1,
            ExtraArguments = ["--experimental-watch-progress-notify-interval", "1s"],
        });
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = Timeout };
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var proxied = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var kv = new KV.KVClient(direct);

        // :: One write to the range, then the store moves on elsewhere; a watcher from now makes the shared watch.
        var early = (await kv.PutAsync(Put(WatchedKey, "1"))).Header.Revision;
        for (var i = 0; i < 3; i++)
        {
            await kv.PutAsync(Put("quiet-catchup-elsewhere", $"{i}"));
        }

        using var holder = WatchRecorder.Open(proxied, clock);
        await holder.SendAsync(Create(0));
        await holder.WaitForAsync(r => r.Created, Timeout);
        var shared = await MemberWatchersAsync(http, cluster);

        // :: A watcher from the early write is older than the shared history: a catch-up watcher of its own brings it.
        using var late = WatchRecorder.Open(proxied, clock);
        await late.SendAsync(Create(early));
        await late.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == early), Timeout);

        // :: Nothing more happens in the range: the catch-up watcher ends all the same.
        var waited = Stopwatch.StartNew();
        var watchers = await MemberWatchersAsync(http, cluster);
        while (watchers > shared && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(200);
            watchers = await MemberWatchersAsync(http, cluster);
        }

        Assert.True(watchers == shared, $"the member still holds {watchers} watchers (the shared one alone is {shared}) {waited.Elapsed} after the catch-up");

        // :: And the merged watcher goes on from the shared one: the next event, once.
        var next = (await kv.PutAsync(Put(WatchedKey, "2"))).Header.Revision;
        await late.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == next), Timeout);
        await Task.Delay(300);
        Assert.Equal([early, next], late.Received.SelectMany(r => r.Response.Events.Select(e => e.Kv.ModRevision)));
    }

    private static async Task<long> MemberWatchersAsync(HttpClient http, EtcdCluster cluster) =>
        (await WatchCoalescingTests.ScrapeAsync(http, $"http://{cluster.Members[0].ClientAddress}/metrics"))["etcd_debugging_mvcc_watcher_total"];

    private static WatchRequest Create(long start) =>
        new() { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(WatchedKey), StartRevision = start } };

    private static PutRequest Put(string key, string value) => new() { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) };
}
