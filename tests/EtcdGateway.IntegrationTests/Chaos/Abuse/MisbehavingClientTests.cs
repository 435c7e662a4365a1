using System.Net.Sockets;
using System.Security.Cryptography;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Abuse;

/// <summary>
/// Clients that idle, spray garbage, half-close at once or reset mid-stream, all at the same time: a well-behaved client
/// next to them is served every time, and afterwards only the idle ones are still counted. The backend is an echo
/// stand-in, not etcd, so health probes are off.
/// </summary>
public sealed class MisbehavingClientTests(ITestOutputHelper output)
{
    private const int PerKind = 50;
    private const int NormalExchanges = 200;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ClientsThatMisbehave_DoNotHurtOthers()
    {
        await using var backend = AbuseSupport.LeanEcho();
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        var port = gateway.ListenPort;

        var idle = new Socket[PerKind];
        for (var i = 0; i < PerKind; i++)
        {
            idle[i] = await Loopback.ConnectAsync(port);
        }

        try
        {
            var garbage = Enumerable.Range(0, PerKind).Select(_ => Task.Run(() => SendGarbageAndCloseAsync(port))).ToList();
            var halfClosers = Enumerable.Range(0, PerKind).Select(_ => Task.Run(() => HalfCloseAtOnceAsync(port))).ToList();
            var resetters = Enumerable.Range(0, PerKind).Select(_ => Task.Run(() => ResetMidStreamAsync(port))).ToList();

            // :: Meanwhile, one exchange after another from a client that does everything right.
            var failures = new List<string>();
            for (var i = 0; i < NormalExchanges; i++)
            {
                try
                {
                    using var client = await Loopback.ConnectAsync(port);
                    var payload = RandomNumberGenerator.GetBytes(1024 + i);
                    await client.SendAsync(payload);
                    client.Shutdown(SocketShutdown.Send);
                    var echoed = await Loopback.ReadToEndAsync(client, Timeout);
                    if (!echoed.AsSpan().SequenceEqual(payload))
                    {
                        failures.Add($"exchange {i}: sent {payload.Length} bytes, got {echoed.Length} back, not the same");
                    }
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or EndOfStreamException)
                {
                    failures.Add($"exchange {i}: {e.GetType().Name}: {e.Message}");
                }
            }

            await Task.WhenAll(garbage.Concat(halfClosers).Concat(resetters)).WaitAsync(Timeout);
            var halfCloseAnswers = halfClosers.Select(t => t.Result).ToList();
            output.WriteLine($"normal exchanges: {NormalExchanges - failures.Count} of {NormalExchanges} succeeded");
            output.WriteLine($"garbage senders: {garbage.Count(t => t.IsCompletedSuccessfully)} finished; half-closers: {halfCloseAnswers.Count(a => a == 0)} got a clean EOF; resetters: {resetters.Count(t => t.IsCompletedSuccessfully)} finished");

            Assert.Empty(failures);
            Assert.All(halfCloseAnswers, bytes => Assert.Equal(0, bytes));
            Assert.False(gateway.HasExited, gateway.Log);

            // :: Only the idle ones are left, and they still relay.
            var active = await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", PerKind, Timeout);
            output.WriteLine($"connections_active after the storm: {active}");
            Assert.Equal(PerKind, active);
            for (var i = 0; i < PerKind; i++)
            {
                await AbuseSupport.EchoAsync(idle[i], $"idle {i} woke up", Timeout);
            }

            var accepted = await AbuseSupport.MetricAsync(http, "etcd_gateway_connections_accepted_total");
            Assert.Equal((4 * PerKind) + NormalExchanges, accepted);
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
        }

        Assert.Equal(0, await AbuseSupport.WaitForMetricAsync(http, "etcd_gateway_connections_active", 0, Timeout));
        Assert.Empty(gateway.LogEntries("unexpected error in client connection"));
        Assert.False(gateway.HasExited, gateway.Log);
    }

    /// <summary>1 MB of random bytes, then close. The echo coming back is drained so the send cannot stall on a full window.</summary>
    private static async Task SendGarbageAndCloseAsync(int port)
    {
        using var client = await Loopback.ConnectAsync(port);
        using var cancel = new CancellationTokenSource(Timeout);
        var draining = DrainAsync(client, cancel.Token);
        await client.SendAsync(RandomNumberGenerator.GetBytes(1024 * 1024), SocketFlags.None, cancel.Token);
        await cancel.CancelAsync();
        await draining;
    }

    /// <summary>Shuts down its sending half before sending anything, then reads to the end; returns how many bytes came.</summary>
    private static async Task<int> HalfCloseAtOnceAsync(int port)
    {
        using var client = await Loopback.ConnectAsync(port);
        client.Shutdown(SocketShutdown.Send);
        return (await Loopback.ReadToEndAsync(client, Timeout)).Length;
    }

    /// <summary>Starts a 256 KiB upload, reads a little of the echo, then aborts with RST (linger 0).</summary>
    private static async Task ResetMidStreamAsync(int port)
    {
        var client = await Loopback.ConnectAsync(port);
        try
        {
            var sending = client.SendAsync(RandomNumberGenerator.GetBytes(256 * 1024));
            await Loopback.ReadExactlyAsync(client, 1024, Timeout);
            Loopback.Reset(client);
            try
            {
                await sending;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The upload was cut off by our own reset: that is the point.
            }
        }
        finally
        {
            client.Dispose();
        }
    }

    private static async Task DrainAsync(Socket socket, CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancel) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
