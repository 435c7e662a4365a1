using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Abuse;

/// <summary>
/// Backends that hang, reset or hang up early. The client sees what an L4 proxy can honestly show (an open connection,
/// a prompt reset, exactly the bytes sent then EOF) and never a gateway that hangs or dies; /status says where each
/// endpoint stands.
/// <para>
/// Health checking: these stand-ins are not HTTP servers, so an HTTP probe would take them out of rotation by design.
/// <c>--health-check=tcp</c> is used where the point is what a client sees through an endpoint that still accepts TCP
/// (the TCP probe passes, the endpoint stays <c>up</c>); <c>--health-check=http</c> where the point is that a hung
/// member is found out and avoided.
/// </para>
/// </summary>
public sealed class MisbehavingBackendTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>A prompt reaction: the gateway learns of the backend's RST or FIN within a loopback round trip.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task BackendThatNeverAnswers_ClientConnectionStaysOpen()
    {
        using var hang = new CancellationTokenSource();
        await using var hung = HungBackend(hang.Token);
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=tcp", $"--endpoints={hung.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        try
        {
            // The backend accepts and then does nothing. An L4 proxy cannot tell that from a server that is thinking:
            // the client's connection stays open, neither closed nor reset.
            using var client = await Loopback.ConnectAsync(gateway.ListenPort);
            await client.SendAsync(Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\nHost: etcd\r\n\r\n"));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveAsync(new byte[16], SocketFlags.None, wait.Token));

            var status = await AbuseSupport.StatusAsync(http);
            var endpoint = AbuseSupport.EndpointStatus(status, hung.Address);
            output.WriteLine($"/status for the hung backend with --health-check=tcp: {endpoint}");
            Assert.Equal("up", endpoint.GetProperty("state").GetString());
            Assert.Equal("healthy", endpoint.GetProperty("health").GetString());
            Assert.Equal(1, endpoint.GetProperty("activeConnections").GetInt64());
            Assert.True(client.Connected);

            // Still open after all that: a second read waits too, and the client can still write.
            await client.SendAsync(Encoding.ASCII.GetBytes("more"));
            using var again = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveAsync(new byte[16], SocketFlags.None, again.Token));
        }
        finally
        {
            await hang.CancelAsync();
        }

        Assert.False(gateway.HasExited, gateway.Log);
    }

    [Fact]
    public async Task BackendThatNeverAnswers_IsTakenDownByHttpHealth_NewClientsGoToTheHealthyOne()
    {
        using var hang = new CancellationTokenSource();
        await using var hung = HungBackend(hang.Token);
        await using var healthy = AbuseSupport.HealthyHttp();
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(
            ["--health-check=http", $"--endpoints={hung.Address},{healthy.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        try
        {
            // It accepts TCP but never answers GET /health: two timed-out probes (500 ms each, 1 s apart) take it out.
            var stopwatch = Stopwatch.StartNew();
            var status = await AbuseSupport.WaitForStatusAsync(http, s =>
                State(s, hung.Address) == ("down", "accepts-tcp-only") && State(s, healthy.Address) == ("up", "healthy"), Timeout);
            output.WriteLine($"after {stopwatch.Elapsed.TotalSeconds:0.0} s: {AbuseSupport.EndpointStatus(status, hung.Address)}");
            Assert.Equal(("down", "accepts-tcp-only"), State(status, hung.Address));
            Assert.Equal(("up", "healthy"), State(status, healthy.Address));
            Assert.False(string.IsNullOrEmpty(AbuseSupport.EndpointStatus(status, hung.Address).GetProperty("lastError").GetString()));
            var deactivated = await gateway.WaitForLogAsync("deactivated endpoint", Timeout, e => e.GetProperty("address").GetString() == hung.Address);
            Assert.Equal("accepts-tcp-only", deactivated.GetProperty("health").GetString());

            // Every new client now reaches the healthy endpoint and gets its answer.
            var relayedToHungBefore = AbuseSupport.EndpointStatus(status, hung.Address).GetProperty("totalConnections").GetInt64();
            for (var i = 0; i < 20; i++)
            {
                using var client = await Loopback.ConnectAsync(gateway.ListenPort);
                await client.SendAsync(Encoding.ASCII.GetBytes($"GET /v2/keys/{i} HTTP/1.1\r\nHost: etcd\r\n\r\n"));
                var answer = await Loopback.ReadToEndAsStringAsync(client, Timeout);
                Assert.StartsWith("HTTP/1.1 200 OK", answer, StringComparison.Ordinal);
                Assert.Contains($"X-Backend-Port: {healthy.Port}", answer, StringComparison.Ordinal);
                Assert.EndsWith("{\"health\":\"true\"}", answer, StringComparison.Ordinal);
            }

            var after = await AbuseSupport.StatusAsync(http);
            Assert.Equal(relayedToHungBefore, AbuseSupport.EndpointStatus(after, hung.Address).GetProperty("totalConnections").GetInt64());
            Assert.True(AbuseSupport.EndpointStatus(after, healthy.Address).GetProperty("totalConnections").GetInt64() >= 20);
            Assert.True(after.GetProperty("healthy").GetBoolean());
            Assert.False(after.GetProperty("panic").GetBoolean());
        }
        finally
        {
            await hang.CancelAsync();
        }

        Assert.False(gateway.HasExited, gateway.Log);
    }

    [Fact]
    public async Task BackendThatResetsEveryConnection_ClientSeesItPromptly_GatewayStaysUp()
    {
        await using var backend = TestBackend.Start(socket =>
        {
            Loopback.Reset(socket);
            return Task.CompletedTask;
        });
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=tcp", $"--endpoints={backend.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        var outcomes = new List<string>();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 20; i++)
        {
            // The gateway may reset the client so fast that even the client's connect() reports it.
            var started = Stopwatch.GetTimestamp();
            Socket? client = null;
            try
            {
                client = await Loopback.ConnectAsync(gateway.ListenPort);
                await client.SendAsync(Encoding.ASCII.GetBytes($"request {i}"));
                var bytes = await Loopback.ReadToEndAsync(client, Timeout);
                outcomes.Add(bytes.Length == 0 ? "eof" : $"{bytes.Length} bytes then eof");
            }
            catch (SocketException e)
            {
                outcomes.Add((client is null ? "on connect: " : "") + e.SocketErrorCode);
            }
            finally
            {
                client?.Dispose();
            }

            var took = Stopwatch.GetElapsedTime(started);
            slowest = took > slowest ? took : slowest;
        }

        output.WriteLine($"clients saw: {string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key} x{g.Count()}"))}; slowest {slowest.TotalMilliseconds:0} ms");
        Assert.All(outcomes, o => Assert.Contains(o.Replace("on connect: ", "", StringComparison.Ordinal), new[] { "ConnectionReset", "eof", "Shutdown", "ConnectionAborted" }));
        Assert.True(slowest < Prompt, $"a client waited {slowest.TotalMilliseconds:0} ms for the reset");

        // At L4 the endpoint is neither plainly fine nor plainly dead: the handshake completes, then the RST follows. When
        // the RST lands before the gateway's connect() has returned, the dial itself fails with "connection reset by
        // peer" and counts as a dial failure: the endpoint leaves rotation (down, or panic while it is the only one and
        // still accepts TCP) until two TCP probes in a row win the race and bring it back (up). Which of the three a
        // given run ends in is timing; what must hold is that every client was dialed for and any recorded error is
        // that reset.
        var status = await AbuseSupport.WaitForStatusAsync(http, s => s.GetProperty("activeConnections").GetInt64() == 0, Timeout);
        var endpoint = AbuseSupport.EndpointStatus(status, backend.Address);
        output.WriteLine($"/status: {endpoint}");
        Assert.Equal(0, status.GetProperty("activeConnections").GetInt64());
        Assert.Contains(endpoint.GetProperty("state").GetString(), new[] { "up", "down", "panic" });
        Assert.True(endpoint.GetProperty("totalConnections").GetInt64() + endpoint.GetProperty("dialFailures").GetInt64() >= 20, endpoint.ToString());
        if (endpoint.GetProperty("lastError").GetString() is { } lastError)
        {
            Assert.Contains("connection reset by peer", lastError, StringComparison.Ordinal);
        }

        Assert.False(gateway.HasExited, gateway.Log);
        Assert.Empty(gateway.LogEntries("unexpected error in client connection"));
    }

    // When the gateway's upload to the backend fails with ECONNRESET first, the connection is aborted while the other
    // direction's receive is still pending; a plain dispose would wake that receive with shutdown() and so send a FIN
    // before the RST. The abort disconnects the socket itself instead.
    [Fact]
    public async Task BackendThatResetsMidResponse_WhileGatewayIsStillUploading_ClientSeesTheReset_NotACleanEnd()
    {
        // The backend answers part of a response, then aborts. A client that got EOF instead of a reset would take the
        // truncated response for a complete one (an HTTP/1.0 body ends at EOF), so the reset must reach it as a reset.
        // The client's upload is larger than the backend reads, so the gateway is still writing to the backend when the
        // RST lands. The client itself finishes sending before the reset and then only reads: a reset is reported to
        // just one call, and it must be the read that learns of it.
        const int UploadBytes = 256 * 1024;
        var clientDoneSending = new TaskCompletionSource();
        await using var backend = TestBackend.Start(async socket =>
        {
            socket.ReceiveBufferSize = 4096;
            await socket.ReceiveAsync(new byte[1000]);
            await socket.SendAsync(new byte[100]);
            await clientDoneSending.Task.WaitAsync(Timeout);
            await Task.Delay(20);
            Loopback.Reset(socket);
        });
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints={backend.Address}"]);

        var outcomes = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            clientDoneSending = new TaskCompletionSource();
            using var client = await Loopback.ConnectAsync(gateway.ListenPort);
            client.SendBufferSize = 2 * UploadBytes;
            await client.SendAsync(new byte[UploadBytes], SocketFlags.None).WaitAsync(Timeout);
            clientDoneSending.SetResult();
            try
            {
                var got = await Loopback.ReadToEndAsync(client, Timeout);
                outcomes.Add($"clean EOF after {got.Length} bytes");
            }
            catch (SocketException e)
            {
                outcomes.Add(e.SocketErrorCode.ToString());
            }
        }

        output.WriteLine($"clients saw: {string.Join(", ", outcomes.GroupBy(o => o).Select(g => $"{g.Key} x{g.Count()}"))}");
        Assert.All(outcomes, o => Assert.Equal(nameof(SocketError.ConnectionReset), o));
        Assert.False(gateway.HasExited, gateway.Log);
    }

    [Fact]
    public async Task BackendThatClosesAfter1000Bytes_ClientGetsExactlyThoseThenEof_AndCanStillSend()
    {
        var greeting = new byte[1000];
        Random.Shared.NextBytes(greeting);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = TestBackend.Start(async socket =>
        {
            await socket.SendAsync(greeting);
            socket.Shutdown(SocketShutdown.Send);
            var all = new MemoryStream();
            var buffer = new byte[4096];
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                all.Write(buffer, 0, n);
            }

            // TCP probes connect and close without a byte; only a client's upload counts.
            if (all.Length > 0)
            {
                received.TrySetResult(all.ToArray());
            }
        });
        var admin = AbuseSupport.NewAdminAddress();
        await using var gateway = await GatewayProcess.StartAsync(["--health-check=tcp", $"--endpoints={backend.Address}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        using var client = await Loopback.ConnectAsync(gateway.ListenPort);
        var started = Stopwatch.GetTimestamp();
        var got = await Loopback.ReadToEndAsync(client, Timeout);
        output.WriteLine($"client read {got.Length} bytes then EOF after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        Assert.Equal(greeting, got);
        Assert.True(Stopwatch.GetElapsedTime(started) < Prompt);

        // The backend only stopped sending: the client's half is still open and everything it sends arrives.
        var upload = new byte[256 * 1024];
        Random.Shared.NextBytes(upload);
        await client.SendAsync(upload);
        client.Shutdown(SocketShutdown.Send);
        Assert.Equal(upload, await received.Task.WaitAsync(Timeout));

        var status = await AbuseSupport.WaitForStatusAsync(http, s => s.GetProperty("activeConnections").GetInt64() == 0, Timeout);
        var endpoint = AbuseSupport.EndpointStatus(status, backend.Address);
        output.WriteLine($"/status: {endpoint}");
        Assert.Equal(("up", "healthy"), State(status, backend.Address));
        Assert.Equal(upload.Length, endpoint.GetProperty("bytesIn").GetInt64());
        Assert.Equal(greeting.Length, endpoint.GetProperty("bytesOut").GetInt64());
        Assert.Equal(0, status.GetProperty("activeConnections").GetInt64());
        Assert.False(gateway.HasExited, gateway.Log);
    }

    /// <summary>Accepts, then neither reads nor writes until the test ends (as a SIGSTOPped member looks from outside).</summary>
    private static TestBackend HungBackend(CancellationToken hang) => TestBackend.Start(async _ =>
    {
        try
        {
            await Task.Delay(System.Threading.Timeout.Infinite, hang);
        }
        catch (OperationCanceledException)
        {
        }
    });

    private static (string? State, string? Health) State(JsonElement status, string address)
    {
        var endpoint = AbuseSupport.EndpointStatus(status, address);
        return (endpoint.GetProperty("state").GetString(), endpoint.GetProperty("health").GetString());
    }
}
