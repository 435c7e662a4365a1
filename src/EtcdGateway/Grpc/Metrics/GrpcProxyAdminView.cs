using System.Text.Json;
using EtcdGateway.Admin;
using EtcdGateway.Endpoints;
using EtcdGateway.Metrics;
using Microsoft.AspNetCore.Http;
using Endpoint = EtcdGateway.Endpoints.Endpoint;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// What the admin listener shows of the L7 proxy: its own figures, never a member's page (etcd's proxy answers /metrics
/// with one member's). Client connections, calls per member, the served calls per method (<c>grpc_server_*</c>), etcd's
/// proxy families once their parts feed them; <c>/health</c> and <c>/proxy/health</c> are the handlers its port answers with.
/// </summary>
internal sealed class GrpcProxyAdminView(
    GrpcServerMetrics server, UpstreamCallMetrics upstream, ClientConnectionMetrics connections, ProxyMetrics proxy, int maxConnections, RequestDelegate health,
    RequestDelegate proxyHealth)
    : IAdminModeView
{
    public string Mode => AdminModeNames.GrpcProxy;

    /// <summary>etcd's proxy serves its own figures at /proxy/metrics; scrapers set up for it find ours there too.</summary>
    public IReadOnlyList<string> MetricsPaths { get; } = ["/metrics", "/proxy/metrics"];

    public RequestDelegate? Health => health;

    /// <summary>etcd's proxy serves <c>/proxy/health</c> on its metrics listener too.</summary>
    public RequestDelegate? Page(string path) => path == "/proxy/health" ? proxyHealth : null;

    public void WriteMetrics(PrometheusWriter w, EndpointSnapshot snapshot)
    {
        ClientConnectionFamilies.Write(w, connections.Open, connections.Accepted, connections.Duration);
        ClientConnectionFamilies.WriteMax(w, maxConnections,
            "Client connections the proxy keeps open at most (from the file-descriptor limit); past it, new ones are closed at once.");
        upstream.Write(w, snapshot);
        server.Write(w);
        proxy.Write(w);
    }

    public void WriteTotals(Utf8JsonWriter json)
    {
        var (active, total) = server.Calls();
        json.WriteNumber("activeConnections", connections.Open);
        json.WriteNumber("totalConnections", connections.Accepted);
        json.WriteNumber("activeCalls", active);
        json.WriteNumber("totalCalls", total);
        var keepAlive = proxy.LeaseKeepAlive;
        json.WriteNumber("leaseKeepAliveStreams", keepAlive.ClientStreams);
        json.WriteNumber("leaseKeepAliveClusterStreams", keepAlive.ClusterStreams);
        json.WriteNumber("leasesKeptAlive", keepAlive.Leases);
        proxy.WriteTotals(json);
    }

    public void WriteEndpointTraffic(Utf8JsonWriter json, Endpoint endpoint)
    {
        var counters = upstream.Find(endpoint.Name);
        json.WriteNumber("activeCalls", counters?.Active ?? 0);
        json.WriteNumber("totalCalls", counters?.Started ?? 0);
        json.WriteNumber("failedCalls", counters?.Failed ?? 0);
    }
}
