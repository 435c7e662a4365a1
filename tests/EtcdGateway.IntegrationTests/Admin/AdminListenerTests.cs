using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Admin;

/// <summary>The admin listener as an operator and Prometheus see it, in front of a real cluster.</summary>
public partial class AdminListenerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Metrics_AfterTwentyCalls_AreWellFormed_AndAddUp()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        for (var i = 0; i < 20; i++)
        {
            var put = await Etcdctl.RunAsync(gateway.ListenAddress, "put", $"metrics/{i}", "v");
            Assert.True(put.Succeeded, put.ToString());
        }

        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var samples = ParseExposition(await response.Content.ReadAsStringAsync());

        Assert.True(samples.Where(s => s.Name == "etcd_gateway_connections_total").Sum(s => s.Value) >= 20);
        Assert.True(samples.Where(s => s.Name == "etcd_gateway_bytes_total").Sum(s => s.Value) > 0);
        foreach (var member in cluster.Members)
        {
            var up = Assert.Single(samples, s => s.Name == "etcd_gateway_endpoint_up" && s.Labels == $"endpoint=\"{member.ClientAddress}\"");
            Assert.Equal(1, up.Value);
            Assert.Contains(samples, s => s.Name == "etcd_gateway_bytes_total" && s.Labels == $"endpoint=\"{member.ClientAddress}\",direction=\"client_to_endpoint\"" && s.Value > 0);
        }

        Assert.Contains(samples, s => s.Name == "etcd_gateway_connections_active");
        Assert.True(Assert.Single(samples, s => s.Name == "etcd_gateway_connections_max").Value >= 1);
        Assert.Contains(samples, s => s.Name == "etcd_gateway_dial_failures_total");
        Assert.True(Assert.Single(samples, s => s.Name == "etcd_gateway_connection_duration_seconds_count").Value >= 20);
        Assert.True(samples.Where(s => s.Name == "etcd_gateway_health_probes_total" && s.Labels.Contains("result=\"pass\"", StringComparison.Ordinal)).Sum(s => s.Value) > 0);
        Assert.True(Assert.Single(samples, s => s.Name == "process_resident_memory_bytes").Value > 1_000_000);
        Assert.True(Assert.Single(samples, s => s.Name == "process_open_fds").Value > 3);
        Assert.True(Assert.Single(samples, s => s.Name == "process_cpu_seconds_total").Value > 0);
        var started = Assert.Single(samples, s => s.Name == "process_start_time_seconds").Value;
        Assert.InRange(started, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task Health_Flips503_WhenEveryMemberHangs_AndBackWhenTheyResume()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

        try
        {
            for (var i = 0; i < 3; i++)
            {
                cluster.Stop(i);
            }

            var down = await PollHealthAsync(http, HttpStatusCode.ServiceUnavailable);
            using var body = JsonDocument.Parse(down);
            Assert.Equal("false", body.RootElement.GetProperty("health").GetString());
            Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("reason").GetString()));
        }
        finally
        {
            for (var i = 0; i < 3; i++)
            {
                cluster.Continue(i);
            }
        }

        var up = await PollHealthAsync(http, HttpStatusCode.OK);
        Assert.Equal("true", JsonDocument.Parse(up).RootElement.GetProperty("health").GetString());
    }

    [Fact]
    public async Task Status_ListsEveryEndpoint_AsTheContractSays()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        Assert.True((await Etcdctl.RunAsync(gateway.ListenAddress, "put", "status/k", "v")).Succeeded);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        var status = JsonDocument.Parse(await http.GetStringAsync("/status")).RootElement;

        Assert.Equal(gateway.ListenAddress, status.GetProperty("listen").GetString());
        Assert.True(status.GetProperty("healthy").GetBoolean());
        Assert.Equal(cluster.Members.Select(m => m.ClientAddress), status.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("address").GetString()));
        foreach (var endpoint in status.GetProperty("endpoints").EnumerateArray())
        {
            Assert.Equal("up", endpoint.GetProperty("state").GetString());
            Assert.Equal("flag", endpoint.GetProperty("source").GetString());
            foreach (var field in new[] { "health", "activeConnections", "totalConnections", "bytesIn", "bytesOut", "dialFailures", "lastError", "lastChange" })
            {
                Assert.True(endpoint.TryGetProperty(field, out _), $"missing {field}");
            }
        }

        Assert.Equal(1, status.GetProperty("endpoints").EnumerateArray().Sum(e => e.GetProperty("totalConnections").GetInt64()));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nope")).StatusCode);
        Assert.StartsWith("<!doctype html>", (await http.GetStringAsync("/")).TrimStart(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MetricsAddressInUse_IsBadInput()
    {
        using var occupant = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        var result = await GatewayProcess.RunToExitAsync(["start", "--endpoints=127.0.0.1:1", $"--listen-addr=127.0.0.1:{FreePorts.Next()}", $"--metrics-addr=http://127.0.0.1:{port}"]);
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"for flag --metrics-addr: address already in use", line, StringComparison.Ordinal);
    }

    private static async Task<string> PollHealthAsync(HttpClient http, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using var response = await http.GetAsync("/health");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == wanted)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/health still {(int)response.StatusCode} {body}");
            await Task.Delay(200);
        }
    }

    /// <summary>Checks every line of a text exposition and returns its samples; a malformed line fails the test.</summary>
    private static List<(string Name, string Labels, double Value)> ParseExposition(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new List<(string, string, double)>();
        var typed = new HashSet<string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.Matches(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* \S.*$", line);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var match = TypeLine().Match(line);
                Assert.True(match.Success, $"bad TYPE line: {line}");
                Assert.True(typed.Add(match.Groups[1].Value), $"TYPE given twice: {line}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: {line}");
            var name = sample.Groups[1].Value;
            var family = Regex.Replace(name, "_(bucket|sum|count)$", "");
            Assert.True(typed.Contains(name) || typed.Contains(family), $"sample before its TYPE: {line}");
            var value = sample.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add((name, sample.Groups[2].Value, value));
        }

        return samples;
    }

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$""")]
    private static partial Regex SampleLine();
}
