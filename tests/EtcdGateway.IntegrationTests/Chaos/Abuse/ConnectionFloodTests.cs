using System.Net.Sockets;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Abuse;

/// <summary>
/// Ten thousand client connections held open and then released: every fd comes back, and idle connections cost little
/// memory (each direction waits with a zero-byte receive and holds no buffer while idle). The backend is an echo
/// stand-in, not etcd, so health probes are off.
/// </summary>
public sealed class ConnectionFloodTests(ITestOutputHelper output)
{
    private const int WantedConnections = 10_000;
    private const int MinimumConnections = 4_000;
    private const int WarmUpConnections = 100;

    /// <summary>Two fds per relayed connection, plus this much for the runtime, the admin listener and timing noise.</summary>
    private const int FdSlack = 64;

    /// <summary>
    /// Generous: a .NET socket, its async state and the connection's bookkeeping come to a few KiB; a connection that
    /// held two 256 KiB relay chunks while idle would cost 512 KiB.
    /// </summary>
    private const long MaxBytesPerIdleConnection = 32 * 1024;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TenThousandConnections_HeldThenReleased_LeaveNoLeak()
    {
        // This process holds both ends it controls: the client socket and the backend's accepted socket.
        var (softLimit, hardLimit) = AbuseSupport.RaiseOwnFdLimit();
        await using var backend = AbuseSupport.LeanEcho();
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        var maxConnections = Assert.Single(gateway.LogEntries("ready to proxy client requests")).GetProperty("max-connections").GetInt32();

        var ownFdsOpen = AbuseSupport.OpenFds(Environment.ProcessId);
        var ownCapacity = (int)((Math.Min(softLimit, int.MaxValue) - (ulong)ownFdsOpen - 512) / 2);
        var count = Math.Min(WantedConnections, Math.Min(maxConnections - 16, ownCapacity));
        output.WriteLine($"fd limits: test process soft {softLimit} hard {hardLimit} ({ownFdsOpen} open, room for {ownCapacity} connections with the backend in-process); gateway max-connections {maxConnections}");
        output.WriteLine($"connections to hold: {count} of the {WantedConnections} wanted");
        Assert.True(count >= MinimumConnections, $"only {count} connections fit (test soft limit {softLimit}, gateway cap {maxConnections})");

        // :: Warm-up: JIT, pools and the admin listener settle before the baseline is read.
        for (var i = 0; i < WarmUpConnections; i++)
        {
            using var client = await Loopback.ConnectAsync(gateway.ListenPort);
            await AbuseSupport.EchoAsync(client, $"warm-up {i}", Timeout);
        }

        Assert.Equal(0, await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", 0, Timeout));
        await Task.Delay(500);
        var baselineFds = AbuseSupport.OpenFds(gateway.Pid);
        var baselineRss = AbuseSupport.ResidentBytes(gateway.Pid);

        // :: Open them all, a few dozen at a time so no listen backlog overflows.
        var clients = new Socket[count];
        try
        {
            var opening = System.Diagnostics.Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
                clients[i] = await Loopback.ConnectAsync(gateway.ListenPort));
            var active = await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", count, Timeout);
            Assert.True(active == count, $"the gateway reports {active} active connections, expected {count}");
            output.WriteLine($"opened {count} connections in {opening.Elapsed.TotalSeconds:0.0} s");

            // A sample of them, spread over the whole range, relays both ways.
            for (var i = 0; i < count; i += 50)
            {
                try
                {
                    await AbuseSupport.EchoAsync(clients[i], $"ping {i}", Timeout);
                }
                catch (SocketException)
                {
                    output.WriteLine($"connection {i} failed; the gateway's warnings:");
                    gateway.StderrLines.Where(l => !l.Contains("\"level\":\"info\"", StringComparison.Ordinal)).Take(20).ToList().ForEach(output.WriteLine);
                    throw;
                }
            }

            await AbuseSupport.EchoAsync(clients[^1], "ping last", Timeout);

            await Task.Delay(TimeSpan.FromSeconds(2));
            var heldFds = AbuseSupport.OpenFds(gateway.Pid);
            var heldRss = AbuseSupport.ResidentBytes(gateway.Pid);
            var perConnection = (heldRss - baselineRss) / count;
            output.WriteLine($"gateway fds: baseline {baselineFds}, holding {heldFds} (expected about {baselineFds + (2 * count)})");
            output.WriteLine($"gateway RSS: baseline {AbuseSupport.Mib(baselineRss)}, holding {AbuseSupport.Mib(heldRss)}: {perConnection} bytes per idle connection");

            Assert.InRange(heldFds, baselineFds + (2 * count) - FdSlack, baselineFds + (2 * count) + FdSlack);
            Assert.True(perConnection < MaxBytesPerIdleConnection, $"{perConnection} bytes of RSS per idle connection");
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Dispose();
            }
        }

        // :: Released: every fd comes back, the gauge returns to 0.
        var afterFds = await AbuseSupport.PollAsync(() => AbuseSupport.OpenFds(gateway.Pid), fds => fds <= baselineFds + 20, Timeout);
        var afterActive = await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", 0, Timeout);
        var afterRss = AbuseSupport.ResidentBytes(gateway.Pid);
        output.WriteLine($"after release: gateway fds {afterFds} (baseline {baselineFds}), RSS {AbuseSupport.Mib(afterRss)} (baseline {AbuseSupport.Mib(baselineRss)}), connections_active {afterActive}");

        Assert.True(afterFds <= baselineFds + 20, $"gateway still holds {afterFds} fds, baseline was {baselineFds}");
        Assert.Equal(0, afterActive);
        Assert.False(gateway.HasExited, gateway.Log);
        Assert.Empty(gateway.LogEntries("connection limit reached; new connections wait in the listen backlog"));
        Assert.Empty(gateway.LogEntries("cannot open a connection to an endpoint; closing client connection"));

        // Still serving.
        using var last = await Loopback.ConnectAsync(gateway.ListenPort);
        await AbuseSupport.EchoAsync(last, "still here", Timeout);
    }
}
