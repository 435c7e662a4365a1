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
            Assert.True(MetricsPage.Sum(ours, "etcd_gateway_lease_renewals_total") < MetricsPage.Sum(ours, "etcd_gateway_lease_keepalives_total") / 2);

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

    /// <summary>LeaseKeepAlive streams open on the cluster, summed over its running members' own counts.</summary>
    private static async Task<double> ClusterKeepAliveStreamsAsync(EtcdCluster cluster, params int[] down)
    {
        var total = 0.0;
        for (var i = 0; i < cluster.Members.Count; i++)
        {
            if (!down.Contains(i))
            {
                total += await MetricsPage.OpenKeepAliveStreamsAsync(cluster.Members[i].ClientAddress);
            }
        }

        return total;
    }
}
