using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Keep-alives through the proxy, measured on the cluster's own /metrics: a hundred clients cost the cluster one
/// keep-alive stream, their leases live as long as they are kept alive and end at most a TTL (+1 s) after the last
/// client keep-alive (etcd's proxy keeps them up to a TTL longer, etcd-io/etcd#13031), leases gone upstream are
/// answered as a member answers, and the shared stream outlives a hung and then a killed member.
/// </summary>
public class LeaseCoalescingTests
{
    private const int Clients = 100;
    private const int Leases = 20;
    private const long Ttl = 5;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_Hundred_Clients_Cost_The_Cluster_One_Keep_Alive_Stream_And_Their_Leases_End_On_Time()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var clock = Stopwatch.StartNew();
        var baseline = await ClusterKeepAliveStreamsAsync(cluster);

        // :: Leases granted through the proxy; each kept alive by five clients, each on its own connection, at etcd's
        // client cadence (a third of the TTL), in phases spread over the interval.
        var lease = new Lease.LeaseClient(direct);
        var ids = new List<long>();
        for (var i = 0; i < Leases; i++)
        {
            ids.Add((await lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = Ttl })).ID);
        }

        var channels = new List<GrpcChannel>();
        var clients = new List<(long Lease, KeepAliveRecorder Recorder)>();
        using var stop = new CancellationTokenSource();
        var running = new List<Task>();
        var interval = TimeSpan.FromSeconds(Ttl) / 3;
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
                channels.Add(channel);
                var recorder = new KeepAliveRecorder(new Lease.LeaseClient(channel).LeaseKeepAlive(), ids[i % Leases], clock);
                clients.Add((ids[i % Leases], recorder));
                var phase = interval * i / Clients;
                running.Add(Task.Run(async () =>
                {
                    await Task.Delay(phase);
                    await recorder.RunAsync(interval, stop.Token);
                }));
            }

            // :: Three TTLs: every lease alive on the cluster, every client answered with the cluster's TTL, one stream held.
            await Task.Delay(TimeSpan.FromSeconds(Ttl * 3));
            foreach (var id in ids)
            {
                var alive = await lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = id });
                Assert.InRange(alive.TTL, 1, Ttl);
            }

            foreach (var (id, recorder) in clients)
            {
                Assert.Null(recorder.Error);
                Assert.True(recorder.Answers.Count >= 5, $"lease {id}: {recorder.Answers.Count} answers");
                Assert.All(recorder.Answers, a => Assert.Equal((id, Ttl), (a.Response.ID, a.Response.TTL)));
                Assert.All(recorder.Answers, a => Assert.NotEqual(0UL, a.Response.Header.ClusterId));
            }

            var held = await ClusterKeepAliveStreamsAsync(cluster) - baseline;
            var ours = await MetricsPage.ReadAsync($"{admin}/metrics");
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"cluster keep-alive streams: {held}; proxy: {MetricsPage.Sum(ours, "etcd_gateway_lease_keepalives_total")} keep-alives, "
                + $"{MetricsPage.Sum(ours, "etcd_gateway_lease_renewals_total")} renewals");
            Assert.InRange(held, 0, 1);
            Assert.Equal(Clients, MetricsPage.Sum(ours, "etcd_gateway_lease_keepalive_client_streams"));
            Assert.Equal(1, MetricsPage.Sum(ours, "etcd_gateway_lease_keepalive_cluster_streams"));
            Assert.Equal(Leases, MetricsPage.Sum(ours, "etcd_gateway_lease_keepalive_leases"));
            // Coalesced: fewer renewals than keep-alives (how many fewer depends on the machine's timing, so no tighter bound).
            Assert.True(MetricsPage.Sum(ours, "etcd_gateway_lease_renewals_total") < MetricsPage.Sum(ours, "etcd_gateway_lease_keepalives_total"));

            // :: The clients stop sending (their streams stay open): each lease ends within TTL + 1 s of its last keep-alive,
            // and not before the proxy's last renewal for it could have run out.
            await stop.CancelAsync();
            await Task.WhenAll(running);
            var lastSent = clients.GroupBy(c => c.Lease).ToDictionary(g => g.Key, g => g.Max(c => c.Recorder.LastSent!.Value));
            var goneAt = new Dictionary<long, TimeSpan>();
            while (goneAt.Count < ids.Count && clock.Elapsed < lastSent.Values.Max() + Timeout)
            {
                foreach (var id in ids.Where(id => !goneAt.ContainsKey(id)))
                {
                    if ((await lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = id })).TTL == -1)
                    {
                        goneAt[id] = clock.Elapsed;
                    }
                }

                await Task.Delay(100);
            }

            foreach (var id in ids)
            {
                Assert.True(goneAt.TryGetValue(id, out var gone), $"lease {id} never expired");
                var after = gone - lastSent[id];
                TestContext.Current.TestOutputHelper?.WriteLine($"lease {id:x}: gone {after.TotalSeconds:F2} s after its last keep-alive");
                Assert.InRange(after, TimeSpan.FromSeconds(Ttl - 1), TimeSpan.FromSeconds(Ttl + 1));
            }

            var after2 = await MetricsPage.ReadAsync($"{admin}/metrics");
            Assert.Equal(0, MetricsPage.Sum(after2, "etcd_gateway_lease_keepalive_leases"));
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var (_, recorder) in clients)
            {
                recorder.Dispose();
            }

            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    [Fact]
    public async Task The_Shared_Stream_Survives_Its_Member_Hung_Then_Killed()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var clock = Stopwatch.StartNew();
        var members = await MemberIndexesAsync(cluster);
        var baseline = await KeepAliveStreamsByMemberAsync(cluster);
        var leases = new Lease.LeaseClient(channel);
        long[] ids = [(await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 10 })).ID, (await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = 10 })).ID];
        var clients = Enumerable.Range(0, 10).Select(i => new KeepAliveRecorder(leases.LeaseKeepAlive(), ids[i % 2], clock)).ToList();
        using var stop = new CancellationTokenSource();
        var running = clients.Select(c => c.RunAsync(TimeSpan.FromSeconds(1), stop.Token)).ToList();
        var hung = -1;
        try
        {
            // :: The member the shared stream is on hangs: health takes it out, the stream moves, the clients see answers again.
            var first = await AnsweredByAsync(clients, clock.Elapsed, members, exclude: []);
            hung = first;
            await Task.Delay(TimeSpan.FromSeconds(1));
            var stoppedAt = clock.Elapsed;
            cluster.Stop(hung);
            var second = await AnsweredByAsync(clients, stoppedAt, members, exclude: [hung]);
            TestContext.Current.TestOutputHelper?.WriteLine($"hung member {hung}: answered by member {second} {(clock.Elapsed - stoppedAt).TotalSeconds:F1} s later");
            await Task.Delay(TimeSpan.FromSeconds(2));
            cluster.Continue(hung);

            // :: The member it moved to is killed: it moves again.
            await Task.Delay(TimeSpan.FromSeconds(1));
            var killedAt = clock.Elapsed;
            cluster.Kill(second);
            var third = await AnsweredByAsync(clients, killedAt, members, exclude: [second]);
            TestContext.Current.TestOutputHelper?.WriteLine($"killed member {second}: answered by member {third} {(clock.Elapsed - killedAt).TotalSeconds:F1} s later");
            await Task.Delay(TimeSpan.FromSeconds(2));

            // :: No client saw an error, every client was answered after the kill with the cluster's TTL, the leases live,
            // and the cluster holds one keep-alive stream for them all.
            foreach (var client in clients)
            {
                Assert.Null(client.Error);
                Assert.Contains(client.Answers, a => a.At > killedAt && a.Response.TTL > 0 && members[a.Response.Header.MemberId] != second);
            }

            var live = cluster.Members.Where((_, i) => i != second).First();
            using var direct = GrpcChannel.ForAddress($"http://{live.ClientAddress}");
            foreach (var id in ids)
            {
                Assert.InRange((await new Lease.LeaseClient(direct).LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = id })).TTL, 1, 10);
            }

            var now = await KeepAliveStreamsByMemberAsync(cluster, second);
            var held = Enumerable.Range(0, now.Length).Where(i => i != second).Sum(i => now[i] - baseline[i]);
            Assert.InRange(held, 0, 1);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
            if (hung >= 0)
            {
                cluster.Continue(hung);
            }

            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Waits until some client is answered after <paramref name="since"/> by a member not in <paramref name="exclude"/>; that member.</summary>
    private static async Task<int> AnsweredByAsync(List<KeepAliveRecorder> clients, TimeSpan since, IReadOnlyDictionary<ulong, int> members, int[] exclude)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var client in clients)
            {
                foreach (var (response, at) in client.Answers)
                {
                    if (at > since && response.TTL > 0 && !exclude.Contains(members[response.Header.MemberId]))
                    {
                        return members[response.Header.MemberId];
                    }
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no answer from a member other than {string.Join(", ", exclude)} within {Timeout}");
    }

    private static async Task<IReadOnlyDictionary<ulong, int>> MemberIndexesAsync(EtcdCluster cluster)
    {
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var list = await new Cluster.ClusterClient(direct).MemberListAsync(new MemberListRequest());
        return list.Members.ToDictionary(m => m.ID, m => cluster.Members.Select((x, i) => (x, i)).Single(p => m.ClientURLs.Contains($"http://{p.x.ClientAddress}")).i);
    }

    /// <summary>LeaseKeepAlive streams open on the cluster, summed over its members' own counts (those in <paramref name="down"/> left out).</summary>
    private static async Task<double> ClusterKeepAliveStreamsAsync(EtcdCluster cluster, params int[] down) =>
        (await KeepAliveStreamsByMemberAsync(cluster, down)).Sum();

    /// <summary>Each member's count of open LeaseKeepAlive streams; 0 for those in <paramref name="down"/>.</summary>
    private static async Task<double[]> KeepAliveStreamsByMemberAsync(EtcdCluster cluster, params int[] down)
    {
        var counts = new double[cluster.Members.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            if (!down.Contains(i))
            {
                counts[i] = await MetricsPage.OpenKeepAliveStreamsAsync(cluster.Members[i].ClientAddress);
            }
        }

        return counts;
    }
}
