using System.Net;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// What the proxy's own port serves over HTTP/1.1 besides gRPC and <c>/health</c>, the paths etcd's proxy serves there:
/// <c>/metrics</c> and <c>/proxy/metrics</c> with the proxy's own figures (etcd's <c>/metrics</c> is a member's page), and
/// <c>/proxy/health</c>, a read and a watch through the proxy itself; the metrics listener serves the same.
/// </summary>
public sealed class GrpcListenPortPagesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const string MetricsType = "text/plain; version=0.0.4; charset=utf-8";
    private const string PutHandled = "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";
    private const string WatchStarted = "grpc_server_started_total{grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"}";

    [Fact]
    public async Task Metrics_On_The_Listen_Port_Are_The_Proxys_Own_At_Both_Paths_As_On_The_Metrics_Listener()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        var put = await Etcdctl.RunAsync(proxy.ListenAddress, "put", "pages/k", "v");
        Assert.True(put.Succeeded, put.ToString());

        using var http = new HttpClient { Timeout = Timeout };
        var pages = new List<string>();
        foreach (var url in new[] { $"http://{proxy.ListenAddress}/metrics", $"http://{proxy.ListenAddress}/proxy/metrics", $"{admin}/metrics", $"{admin}/proxy/metrics" })
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(MetricsType, response.Content.Headers.ContentType?.ToString());
            var page = await response.Content.ReadAsStringAsync();
            Assert.Contains($"{PutHandled} 1\n", page, StringComparison.Ordinal);
            Assert.Contains($"etcd_gateway_endpoint_up{{endpoint=\"{cluster.Members[0].ClientAddress}\"}} 1\n", page, StringComparison.Ordinal);

            // Not the member's page, which etcd's proxy copies here.
            Assert.DoesNotContain("etcd_server_", page, StringComparison.Ordinal);
            Assert.DoesNotContain("etcd_mvcc_", page, StringComparison.Ordinal);
            pages.Add(page);
        }

        // One page: the same families, in the same order, wherever it is asked for.
        var families = pages.Select(p => string.Join('\n', p.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)))).ToList();
        Assert.All(families, f => Assert.Equal(families[0], f));
    }

    [Fact]
    public async Task Proxy_Health_Reads_And_Watches_Through_The_Proxy_Itself_On_Both_Listeners()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { Timeout = Timeout };
        Assert.Contains($"{WatchStarted} 0\n", await http.GetStringAsync($"{admin}/metrics"), StringComparison.Ordinal);

        foreach (var url in new[] { $"http://{proxy.ListenAddress}/proxy/health", $"{admin}/proxy/health" })
        {
            using var response = await http.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            Assert.Equal("{\"health\":\"true\",\"reason\":\"\"}", await response.Content.ReadAsStringAsync());
        }

        // The checks came in through the proxy's own gRPC port: its served-call counters saw their reads and watches.
        var page = await http.GetStringAsync($"{admin}/metrics");
        Assert.Contains($"{WatchStarted} 2\n", page, StringComparison.Ordinal);
        Assert.Contains("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 2\n", page, StringComparison.Ordinal);

        using var post = await http.PostAsync($"http://{proxy.ListenAddress}/proxy/health", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET", post.Content.Headers.Allow.Single());
    }

    [Fact]
    public async Task Proxy_Health_Without_A_Reachable_Member_Is_503_With_The_Reads_Error()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints=127.0.0.1:{FreePorts.Next()}", "--health-check=none"]);
        using var http = new HttpClient { Timeout = Timeout };
        using var response = await http.GetAsync($"http://{proxy.ListenAddress}/proxy/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"health\":\"false\",\"reason\":\"GET ERROR:", body, StringComparison.Ordinal);
        Assert.EndsWith("}\n", body, StringComparison.Ordinal);
        await proxy.WaitForLogAsync("/health error", TimeSpan.FromSeconds(5));
    }
}
