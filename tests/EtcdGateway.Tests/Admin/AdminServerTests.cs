using System.Net;
using System.Text.Json;
using EtcdGateway.Admin;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Metrics;
using EtcdGateway.Relay;
using EtcdGateway.Tests.Metrics;
using Microsoft.AspNetCore.Http;
using Endpoint = EtcdGateway.Endpoints.Endpoint;

namespace EtcdGateway.Tests.Admin;

/// <summary>The admin listener on a real port: the shared answers, and what it takes from the mode's view.</summary>
public sealed class AdminServerTests : IAsyncDisposable
{
    private static readonly Endpoint[] Members =
    [
        new(new EndpointAddress("127.0.0.1", 12379), [IPAddress.Loopback]),
        new(new EndpointAddress("127.0.0.1", 22379), [IPAddress.Loopback]),
    ];

    private readonly JsonLogger _logger = new(Stream.Null, LogLevel.Error, TimeProvider.System);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private AdminServer? _server;

    [Fact]
    public async Task GatewayView_MetricsKeepEveryL4Family_AndStatusItsFields()
    {
        var metrics = new GatewayMetrics();
        using var tracker = new ConnectionTracker(100);
        Members[0].Stats.ConnectionOpened();
        Members[0].Stats.AddBytes(fromClient: true, 42);
        await StartAsync(new RelayAdminView(tracker, metrics), metrics);

        var page = Exposition.Parse(await _http.GetStringAsync("/metrics"));

        Assert.Equal(
            ["etcd_gateway_bytes_total", "etcd_gateway_connection_duration_seconds", "etcd_gateway_connections_accepted_total", "etcd_gateway_connections_active",
             "etcd_gateway_connections_max", "etcd_gateway_connections_total", "etcd_gateway_dial_failures_total", "etcd_gateway_endpoint_connections_active",
             "etcd_gateway_endpoint_up", "etcd_gateway_health_probe_duration_seconds", "etcd_gateway_health_probes_total", "etcd_gateway_panic_mode",
             "process_cpu_seconds_total", "process_open_fds", "process_resident_memory_bytes", "process_start_time_seconds"],
            page.Types.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(100, page.Value("etcd_gateway_connections_max"));
        Assert.Equal(42, page.Value("etcd_gateway_bytes_total", ("endpoint", "127.0.0.1:12379"), ("direction", "client_to_endpoint")));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/proxy/metrics")).StatusCode);

        var status = JsonDocument.Parse(await _http.GetStringAsync("/status")).RootElement;
        Assert.Equal("gateway", status.GetProperty("mode").GetString());
        Assert.Equal(
            ["address", "state", "health", "source", "activeConnections", "totalConnections", "bytesIn", "bytesOut", "dialFailures", "lastError", "lastChange"],
            status.GetProperty("endpoints")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, status.GetProperty("endpoints")[0].GetProperty("totalConnections").GetInt64());
        Assert.Equal("{\n  \"health\": \"true\"\n}", await _http.GetStringAsync("/health"));
    }

    [Fact]
    public async Task AModesView_WritesItsFamilies_ServesItsPaths_AndAnswersHealth()
    {
        var metrics = new GatewayMetrics();
        await StartAsync(new StubView(), metrics);

        foreach (var path in new[] { "/metrics", "/proxy/metrics" })
        {
            using var response = await _http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = Exposition.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(7, page.Value("stub_calls_total", ("endpoint", "127.0.0.1:22379")));
            Assert.Equal(1, page.Value("etcd_gateway_endpoint_up", ("endpoint", "127.0.0.1:22379")));
            Assert.Contains("process_open_fds", page.Types.Keys);
            Assert.DoesNotContain("etcd_gateway_bytes_total", page.Types.Keys);
        }

        using var health = await _http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("{\"health\":\"false\",\"reason\":\"stub\"}", await health.Content.ReadAsStringAsync());

        var status = JsonDocument.Parse(await _http.GetStringAsync("/status")).RootElement;
        Assert.Equal("stub", status.GetProperty("mode").GetString());
        Assert.Equal(3, status.GetProperty("activeCalls").GetInt64());
        var endpoint = status.GetProperty("endpoints")[1];
        Assert.Equal(7, endpoint.GetProperty("totalCalls").GetInt64());
        Assert.False(endpoint.TryGetProperty("bytesIn", out _));
        Assert.True(endpoint.TryGetProperty("dialFailures", out _));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _http.Dispose();
        _logger.Dispose();
    }

    private async Task StartAsync(IAdminModeView view, GatewayMetrics metrics)
    {
        var registry = new EndpointRegistry(Members, TimeProvider.System);
        var options = GatewayConfiguration.Load(FlagParser.Parse(["--endpoints=127.0.0.1:12379"], GatewayFlags.All));
        var sources = new AdminSources(registry, metrics, view, new LiveSettings(options), TimeProvider.System, DateTimeOffset.UtcNow, "127.0.0.1:23790", _logger);
        _server = await AdminServer.StartAsync(new EndpointAddress("127.0.0.1", 0), new IPEndPoint(IPAddress.Loopback, 0), sources);
        _http.BaseAddress = new Uri($"http://{_server.BoundTo}");
    }

    /// <summary>A mode with a family of its own, a second metrics path and its own health verdict.</summary>
    private sealed class StubView : IAdminModeView
    {
        public string Mode => "stub";

        public IReadOnlyList<string> MetricsPaths { get; } = ["/metrics", "/proxy/metrics"];

        public RequestDelegate? Health { get; } = async http =>
        {
            http.Response.StatusCode = 503;
            await http.Response.WriteAsync("{\"health\":\"false\",\"reason\":\"stub\"}");
        };

        public void WriteMetrics(PrometheusWriter writer, EndpointSnapshot snapshot)
        {
            writer.Family("stub_calls_total", "counter", "Stub calls.");
            foreach (var s in snapshot.Statuses)
            {
                writer.Sample("stub_calls_total", 7, ("endpoint", s.Endpoint.Name));
            }
        }

        public void WriteTotals(Utf8JsonWriter json) => json.WriteNumber("activeCalls", 3);

        public void WriteEndpointTraffic(Utf8JsonWriter json, Endpoint endpoint) => json.WriteNumber("totalCalls", 7);
    }
}
