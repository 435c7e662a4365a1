using System.Diagnostics;
using System.Net.Sockets;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Abuse;

/// <summary>
/// A backend that writes far faster than its client reads: the gateway must pass the back-pressure on (it holds at
/// most one 256 KiB chunk per direction), not buffer the flood, and other clients must not notice. The backend is a
/// stand-in, not etcd, so health probes are off.
/// </summary>
public sealed class SlowReaderTests(ITestOutputHelper output)
{
    private const long FloodBytes = 200L * 1024 * 1024;
    private const long MaxRssGrowth = 64L * 1024 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SlowPhase = TimeSpan.FromSeconds(5);

    /// <summary>Generous: an echo of a few bytes over loopback takes well under a millisecond when nothing is wrong.</summary>
    private static readonly TimeSpan MaxEchoLatency = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task SlowReader_WhileBackendWritesFast_MemoryStaysBounded()
    {
        // One backend, two behaviours, chosen by the client's first byte: 'F' floods 200 MB, anything else echoes.
        var written = new System.Collections.Concurrent.ConcurrentDictionary<int, long>();
        var chunk = new byte[64 * 1024];
        Random.Shared.NextBytes(chunk);
        await using var backend = TestBackend.Start(async socket =>
        {
            var first = new byte[1];
            if (await socket.ReceiveAsync(first) == 0)
            {
                return;
            }

            if (first[0] == (byte)'F')
            {
                var id = ((System.Net.IPEndPoint)socket.RemoteEndPoint!).Port;
                long sent = 0;
                while (sent < FloodBytes)
                {
                    sent += await socket.SendAsync(chunk);
                    written[id] = sent;
                }

                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(first);
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, n));
            }

            socket.Shutdown(SocketShutdown.Send);
        });
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        // :: Warm-up: the bulk path and the echo path once each, so JIT and the buffer pool are in the baseline.
        using (var warm = await Loopback.ConnectAsync(gateway.ListenPort))
        {
            await warm.SendAsync("F"u8.ToArray());
            await Loopback.ReadExactlyAsync(warm, 16 * 1024 * 1024, Timeout);
        }

        using (var warm = await Loopback.ConnectAsync(gateway.ListenPort))
        {
            await AbuseSupport.EchoAsync(warm, "Ewarm", Timeout);
        }

        await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", 0, Timeout);
        await Task.Delay(500);
        written.Clear();
        var baselineRss = AbuseSupport.ResidentBytes(gateway.Pid);

        // :: Two slow clients: one never reads, one reads a byte every 10 ms.
        using var stalled = await Loopback.ConnectAsync(gateway.ListenPort);
        using var trickle = await Loopback.ConnectAsync(gateway.ListenPort);
        await stalled.SendAsync("F"u8.ToArray());
        await trickle.SendAsync("F"u8.ToArray());

        using var stop = new CancellationTokenSource(SlowPhase);
        var trickled = 0;
        using var guard = new CancellationTokenSource(SlowPhase + Timeout);
        var trickling = Task.Run(async () =>
        {
            var one = new byte[1];
            while (!stop.IsCancellationRequested)
            {
                trickled += await trickle.ReceiveAsync(one, SocketFlags.None, guard.Token);
                await Task.Delay(10);
            }
        });

        // :: Meanwhile a normal client's echoes are answered promptly, and the gateway's memory is sampled.
        var peakRss = baselineRss;
        var echoes = 0;
        var slowest = TimeSpan.Zero;
        using var normal = await Loopback.ConnectAsync(gateway.ListenPort);
        await AbuseSupport.EchoAsync(normal, "E", Timeout);
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            await AbuseSupport.EchoAsync(normal, $"echo {echoes}", Timeout);
            var took = Stopwatch.GetElapsedTime(started);
            slowest = took > slowest ? took : slowest;
            echoes++;
            peakRss = Math.Max(peakRss, AbuseSupport.ResidentBytes(gateway.Pid));
            await Task.Delay(50);
        }

        await trickling.WaitAsync(Timeout);
        var status = await AbuseSupport.StatusAsync(http);
        var bytesToClients = AbuseSupport.EndpointStatus(status, backend.Address).GetProperty("bytesOut").GetInt64();
        var floods = written.Values.OrderBy(v => v).ToList();
        output.WriteLine($"gateway RSS: baseline {AbuseSupport.Mib(baselineRss)}, peak {AbuseSupport.Mib(peakRss)} during {SlowPhase.TotalSeconds:0} s: growth {AbuseSupport.Mib(peakRss - baselineRss)}");
        output.WriteLine($"backend wrote (the flood is {AbuseSupport.Mib(FloodBytes)} per connection): {string.Join(", ", floods.Select(AbuseSupport.Mib))} (stalled and trickle clients)");
        output.WriteLine($"trickle client read {trickled} bytes; gateway relayed {AbuseSupport.Mib(bytesToClients)} to clients in all");
        output.WriteLine($"normal client: {echoes} echoes, slowest {slowest.TotalMilliseconds:0.0} ms");

        Assert.True(peakRss - baselineRss < MaxRssGrowth, $"gateway RSS grew by {AbuseSupport.Mib(peakRss - baselineRss)} while two clients did not keep up");
        Assert.True(slowest < MaxEchoLatency, $"an echo took {slowest.TotalMilliseconds:0} ms next to the slow readers");
        Assert.True(echoes >= 10, $"only {echoes} echoes in {SlowPhase}");
        Assert.True(trickled > 0, "the trickle client read nothing");

        // The flood stalled: far less than 200 MB left the backend for the slow clients (kernel socket buffers hold the rest).
        Assert.Equal(2, floods.Count);
        Assert.True(floods[^1] < FloodBytes / 2, $"backend wrote {AbuseSupport.Mib(floods[^1])} to a client that reads at most 100 bytes/s");

        // :: The slow clients give up: the gateway closes their backend side and carries on.
        Loopback.Reset(stalled);
        Loopback.Reset(trickle);
        await AbuseSupport.EchoAsync(normal, "after", Timeout);
        normal.Dispose();
        Assert.Equal(0, await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", 0, Timeout));
        Assert.False(gateway.HasExited, gateway.Log);
    }
}
