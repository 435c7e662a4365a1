using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// A shared cluster watcher outlives every member: each member in turn hangs (SIGSTOP, until health takes it out) and is
/// then killed (kill -9) while fifty clients watch one key through the proxy and a writer writes to it; the shared
/// watcher resumes elsewhere from the revision after the last one it had, and every client gets every event once, in
/// order, within 5 s of its write.
/// </summary>
public sealed class CoalescedWatchFailoverTests
{
    private const string WatchedKey = "chaos/k";
    private const int Clients = 50;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LatestDelivery = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Fifty_Watchers_Lose_Nothing_While_Each_Member_Hangs_Then_Dies_In_Turn()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var clock = Stopwatch.StartNew();
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var writer = new ClusterWriter(cluster, await cluster.LeaderIndexAsync(), WatchedKey, clock);
        var first = (await new KV.KVClient(channel).PutAsync(new PutRequest { Key = Key(WatchedKey), Value = Key("0") })).Header.Revision;
        var streams = new List<(WatchRecorder Stream, long Start)>();
        try
        {
            using var stopWriting = new CancellationTokenSource();
            var writing = writer.RunAsync(TimeSpan.FromMilliseconds(50), stopWriting.Token);

            // Half from now, half from the first write (replayed from the shared watcher's history).
            for (var i = 0; i < Clients; i++)
            {
                var stream = WatchRecorder.Open(channel, clock);
                await stream.SendAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(WatchedKey), StartRevision = i % 2 == 0 ? 0 : first } });
                var created = await stream.WaitForAsync(r => r.Created, Timeout);
                streams.Add((stream, i % 2 == 0 ? created.Response.Header.Revision + 1 : first));
            }

            for (var member = 0; member < 3; member++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                cluster.Stop(member);
                await Task.Delay(TimeSpan.FromSeconds(5));
                cluster.Continue(member);
                await Task.Delay(TimeSpan.FromSeconds(1.5));
                cluster.Kill(member);
                await Task.Delay(TimeSpan.FromSeconds(2));
                await cluster.RestartAsync(member);
            }

            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await stopWriting.CancelAsync();
            await writing;

            // :: What the cluster holds, read straight from a member, is what every client got: once, in order, on time.
            var history = await HistoryAsync(cluster, first, writer.Written[^1].Revision);
            var acknowledged = writer.Written.ToDictionary(w => w.Revision, w => w.At);
            var slowest = TimeSpan.Zero;
            foreach (var (stream, start) in streams)
            {
                await stream.WaitForAsync(r => r.Events.Any(e => e.Kv.ModRevision == history[^1]), Timeout);
                var got = stream.Received.SelectMany(r => r.Response.Events.Select(e => (e.Kv.ModRevision, r.At))).ToList();
                Assert.Equal(history.Where(r => r >= start), got.Select(g => g.ModRevision));
                Assert.Null(stream.Error);
                Assert.Single(stream.Received, r => r.Response.Created);
                foreach (var (revision, at) in got.Where(g => acknowledged.ContainsKey(g.ModRevision)))
                {
                    slowest = at - acknowledged[revision] > slowest ? at - acknowledged[revision] : slowest;
                }
            }

            TestContext.Current.TestOutputHelper?.WriteLine($"{history.Count} events to {Clients} watchers; slowest {slowest.TotalMilliseconds:F0} ms after its write");
            Assert.True(slowest <= LatestDelivery, $"an event arrived {slowest} after its write\n{proxy.Log}");
        }
        finally
        {
            for (var member = 0; member < 3; member++)
            {
                cluster.Continue(member);
            }

            foreach (var (stream, _) in streams)
            {
                stream.Dispose();
            }
        }
    }

    /// <summary>The revisions of every put on the key from <paramref name="from"/> to <paramref name="to"/>, as a member has them.</summary>
    private static async Task<List<long>> HistoryAsync(EtcdCluster cluster, long from, long to)
    {
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var watch = new Watch.WatchClient(direct).Watch();
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(WatchedKey), StartRevision = from } });
        var history = new List<long>();
        using var limit = new CancellationTokenSource(Timeout);
        while (history.Count == 0 || history[^1] < to)
        {
            Assert.True(await watch.ResponseStream.MoveNext(limit.Token));
            history.AddRange(watch.ResponseStream.Current.Events.Select(e => e.Kv.ModRevision));
        }

        return history;
    }

    private static ByteString Key(string key) => ByteString.CopyFromUtf8(key);
}
