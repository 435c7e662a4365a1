using System.Text.Json;
using EtcdGateway.Admin;
using EtcdGateway.Endpoints;
using EtcdGateway.Metrics;
using Microsoft.AspNetCore.Http;
using Endpoint = EtcdGateway.Endpoints.Endpoint;

namespace EtcdGateway.Relay;

/// <summary>
/// What the admin listener shows of the L4 gateway: client connections, and per endpoint the connections relayed to it
/// and the bytes moved each way. Health is the endpoint snapshot's (a member in rotation).
/// </summary>
internal sealed class RelayAdminView(ConnectionTracker tracker, GatewayMetrics metrics) : IAdminModeView
{
    public string Mode => AdminModeNames.Gateway;

    public IReadOnlyList<string> MetricsPaths { get; } = ["/metrics"];

    public RequestDelegate? Health => null;

    public void WriteMetrics(PrometheusWriter w, EndpointSnapshot snapshot)
    {
        var endpoints = snapshot.Statuses;
        ClientConnectionFamilies.Write(w, tracker.Count, metrics.Accepted, metrics.ConnectionDuration);
        ClientConnectionFamilies.WriteMax(w, tracker.MaxConnections,
            "Client connections the gateway accepts at most (from the file-descriptor limit); past it, new ones wait in the backlog.");

        w.Family("etcd_gateway_connections_total", "counter", "Client connections relayed to each endpoint.");
        foreach (var s in endpoints)
        {
            w.Sample("etcd_gateway_connections_total", s.Endpoint.Stats.Total, ("endpoint", s.Endpoint.Name));
        }

        w.Family("etcd_gateway_endpoint_connections_active", "gauge", "Client connections open now, per endpoint.");
        foreach (var s in endpoints)
        {
            w.Sample("etcd_gateway_endpoint_connections_active", s.Endpoint.Stats.Active, ("endpoint", s.Endpoint.Name));
        }

        w.Family("etcd_gateway_bytes_total", "counter", "Bytes relayed, per endpoint and direction.");
        foreach (var s in endpoints)
        {
            w.Sample("etcd_gateway_bytes_total", s.Endpoint.Stats.BytesFromClients, ("endpoint", s.Endpoint.Name), ("direction", "client_to_endpoint"));
            w.Sample("etcd_gateway_bytes_total", s.Endpoint.Stats.BytesToClients, ("endpoint", s.Endpoint.Name), ("direction", "endpoint_to_client"));
        }
    }

    public void WriteTotals(Utf8JsonWriter json)
    {
        json.WriteNumber("activeConnections", tracker.Count);
        json.WriteNumber("totalConnections", metrics.Accepted);
    }

    public void WriteEndpointTraffic(Utf8JsonWriter json, Endpoint endpoint)
    {
        var stats = endpoint.Stats;
        json.WriteNumber("activeConnections", stats.Active);
        json.WriteNumber("totalConnections", stats.Total);
        json.WriteNumber("bytesIn", stats.BytesFromClients);
        json.WriteNumber("bytesOut", stats.BytesToClients);
    }
}
