using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// <c>grpc-proxy start --metrics-addr</c> as an operator and Prometheus see it, in front of a real cluster: the proxy's own
/// figures (etcd's proxy answers /metrics with a member's page), its /health, its /status.
/// </summary>
public sealed partial class GrpcProxyAdminTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Metrics_CountEtcdctlsCalls_ByMethodAndCode_AndAreTheProxysOwn()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        var put = await Etcdctl.RunAsync(proxy.ListenAddress, "put", "metrics/k", "v");
        Assert.True(put.Succeeded, put.ToString());
        var get = await Etcdctl.RunAsync(proxy.ListenAddress, "get", "metrics/k");
        Assert.True(get.Succeeded && get.StdOut.Contains("metrics/k", StringComparison.Ordinal), get.ToString());

        // etcd refuses an empty key with InvalidArgument ("etcdserver: key is not provided"); the proxy passes it on.
        var empty = await Etcdctl.RunAsync(proxy.ListenAddress, "put", "", "v");
        Assert.False(empty.Succeeded, empty.ToString());
        Assert.Contains("key is not provided", empty.StdErr, StringComparison.Ordinal);

        var samples = await ScrapeAsync(http, "/metrics");

        Assert.True(Value(samples, "grpc_server_handled_total", Put("OK")) >= 1);
        Assert.True(Value(samples, "grpc_server_handled_total", Put("InvalidArgument")) >= 1);
        Assert.True(Value(samples, "grpc_server_started_total", Method("Put")) >= 2);
        Assert.True(Value(samples, "grpc_server_handled_total", "grpc_code=\"OK\"," + Method("Range")) >= 1);
        Assert.True(Value(samples, "grpc_server_msg_sent_total", Method("Range")) >= 1);
        Assert.True(Value(samples, "grpc_server_handling_seconds_count", Method("Put")) >= 2);

        // What the proxy sent the members: three calls or more (etcdctl may ask more), spread over the members.
        Assert.True(samples.Where(s => s.Name == "etcd_gateway_endpoint_calls_total").Sum(s => s.Value) >= 3);
        Assert.True(samples.Where(s => s.Name == "etcd_gateway_endpoint_calls_total" && s.Labels.Contains("grpc_code=\"InvalidArgument\"", StringComparison.Ordinal)).Sum(s => s.Value) >= 1);
        Assert.True(Value(samples, "etcd_gateway_connections_accepted_total", "") >= 3);
        foreach (var member in cluster.Members)
        {
            Assert.Equal(1, Value(samples, "etcd_gateway_endpoint_up", $"endpoint=\"{member.ClientAddress}\""));
        }

        // Not a member's page: none of etcd's server families, and nothing that only the L4 relay measures.
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("etcd_server_", StringComparison.Ordinal) || s.Name.StartsWith("etcd_mvcc_", StringComparison.Ordinal)
            || s.Name.StartsWith("etcd_debugging_", StringComparison.Ordinal) || s.Name.StartsWith("etcd_disk_", StringComparison.Ordinal));
        Assert.DoesNotContain(samples, s => s.Name is "etcd_gateway_bytes_total" or "etcd_gateway_connections_total");

        // etcd's own proxy families, for the parts that feed them: the range cache is there (etcdctl's get is linearizable,
        // so it missed nothing and hit nothing), and watch coalescing (no watch, so zero watchers).
        Assert.Equal(0, Value(samples, "etcd_grpc_proxy_cache_hits_total", ""));
        Assert.Contains(samples, s => s.Name == "etcd_grpc_proxy_cache_keys_total");
        Assert.Equal(0, Value(samples, "etcd_grpc_proxy_watchers_coalescing_total", ""));
        Assert.Equal(0, Value(samples, "etcd_gateway_watch_cluster_watchers", ""));

        // etcd's proxy serves its own figures at /proxy/metrics: ours are there too.
        var again = await ScrapeAsync(http, "/proxy/metrics");
        Assert.True(Value(again, "grpc_server_handled_total", Put("InvalidArgument")) >= 1);
    }

    [Fact]
    public async Task AWatchEndedByItsClient_IsHandledCanceled()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        const string Watch = "grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"";

        using (var watch = Etcdctl.StartLongRunning(proxy.ListenAddress, "watch", "metrics/watched"))
        {
            try
            {
                var lines = new LineReader(watch);
                await PollAsync(http, s => Value(s, "grpc_server_started_total", Watch) >= 1, "the watch started");
                Assert.True((await Etcdctl.RunAsync(proxy.ListenAddress, "put", "metrics/watched", "1")).Succeeded);
                Assert.Equal("PUT", await lines.ReadAsync(Timeout));
            }
            finally
            {
                watch.Kill(entireProcessTree: true);
            }
        }

        var samples = await PollAsync(http, s => Value(s, "grpc_server_handled_total", "grpc_code=\"Canceled\"," + Watch) >= 1, "the watch handled Canceled");
        Assert.True(Value(samples, "grpc_server_msg_received_total", Watch) >= 1);
        Assert.True(Value(samples, "grpc_server_msg_sent_total", Watch) >= 2);
    }

    [Fact]
    public async Task Health_IsTheProxysOwnCheck_OnBothPorts_AndStatusShowsCallsPerMember()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };
        using var direct = new HttpClient { BaseAddress = new Uri($"http://{proxy.ListenAddress}"), Timeout = Timeout };

        foreach (var client in new[] { http, direct })
        {
            using var health = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("{\"health\":\"true\",\"reason\":\"\"}", await health.Content.ReadAsStringAsync());
        }

        Assert.True((await Etcdctl.RunAsync(proxy.ListenAddress, "put", "status/k", "v")).Succeeded);
        var status = JsonDocument.Parse(await http.GetStringAsync("/status")).RootElement;
        Assert.Equal("grpc-proxy", status.GetProperty("mode").GetString());
        Assert.Equal(proxy.ListenAddress, status.GetProperty("listen").GetString());
        Assert.True(status.GetProperty("totalCalls").GetInt64() >= 1);
        Assert.True(status.GetProperty("totalConnections").GetInt64() >= 1);
        var endpoints = status.GetProperty("endpoints").EnumerateArray().ToList();
        Assert.Equal(cluster.Members.Select(m => m.ClientAddress), endpoints.Select(e => e.GetProperty("address").GetString()));
        Assert.True(endpoints.Sum(e => e.GetProperty("totalCalls").GetInt64()) >= 1);
        Assert.All(endpoints, e =>
        {
            Assert.Equal(0, e.GetProperty("failedCalls").GetInt64());
            Assert.False(e.TryGetProperty("bytesIn", out _));
        });

        // Every member hung: the proxy's read times out after 1 s, so both ports say so (etcd's answer and reason).
        try
        {
            for (var i = 0; i < 3; i++)
            {
                cluster.Stop(i);
            }

            using var down = await http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("false", body.GetProperty("health").GetString());
            Assert.StartsWith("GET ERROR:", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            for (var i = 0; i < 3; i++)
            {
                cluster.Continue(i);
            }
        }
    }

    private static string Put(string code) => $"grpc_code=\"{code}\"," + Method("Put");

    /// <summary>A KV method's labels as the page writes them: in name order.</summary>
    private static string Method(string name) => $"grpc_method=\"{name}\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"";

    private static double Value(List<(string Name, string Labels, double Value)> samples, string name, string labels) =>
        samples.SingleOrDefault(s => s.Name == name && s.Labels == labels, (name, labels, -1)).Value;

    private static async Task<List<(string Name, string Labels, double Value)>> PollAsync(
        HttpClient http, Func<List<(string Name, string Labels, double Value)>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var samples = await ScrapeAsync(http, "/metrics");
            if (condition(samples))
            {
                return samples;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not so within {Timeout}: {what}");
            await Task.Delay(200);
        }
    }

    /// <summary>Fetches a metrics page and checks every line of it; a malformed line fails the test.</summary>
    private static async Task<List<(string Name, string Labels, double Value)>> ScrapeAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new List<(string, string, double)>();
        var typed = new HashSet<string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                continue;
            }

            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.True(typed.Add(type.Groups[1].Value), $"TYPE given twice: {line}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: {line}");
            var name = sample.Groups[1].Value;
            Assert.True(typed.Contains(name) || typed.Contains(Regex.Replace(name, "_(bucket|sum|count)$", "")), $"sample before its TYPE: {line}");
            var value = sample.Groups[3].Value == "+Inf" ? double.PositiveInfinity : double.Parse(sample.Groups[3].Value, CultureInfo.InvariantCulture);
            samples.Add((name, sample.Groups[2].Value, value));
        }

        return samples;
    }

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$""")]
    private static partial Regex SampleLine();
}
