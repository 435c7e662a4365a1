using System.Text.Json;
using EtcdGateway.Endpoints;
using EtcdGateway.Metrics;
using Microsoft.AspNetCore.Http;
using Endpoint = EtcdGateway.Endpoints.Endpoint;

namespace EtcdGateway.Admin;

/// <summary>
/// What the admin listener shows that depends on the mode serving clients. The mode's data path hands it over, so Admin
/// never imports a mode; Admin adds what every mode shares (endpoints in rotation, health probes, process figures).
/// </summary>
internal interface IAdminModeView
{
    /// <summary>The mode's name in <c>/status</c> (<see cref="AdminModeNames"/>).</summary>
    string Mode { get; }

    /// <summary>The paths that answer with the metrics page (etcd's proxy serves its own figures at <c>/proxy/metrics</c> too).</summary>
    IReadOnlyList<string> MetricsPaths { get; }

    /// <summary>Answers <c>/health</c> when the mode decides health itself (the proxy: a read through it); null when the endpoint snapshot decides.</summary>
    RequestDelegate? Health { get; }

    /// <summary>A page of the mode's own at <paramref name="path"/> (the proxy's <c>/proxy/health</c>), or null for none.</summary>
    RequestDelegate? Page(string path) => null;

    /// <summary>The mode's own families, written before the shared ones; <paramref name="snapshot"/> lists the endpoints to label.</summary>
    void WriteMetrics(PrometheusWriter writer, EndpointSnapshot snapshot);

    /// <summary>The mode's client-side totals, as top-level fields of <c>/status</c>.</summary>
    void WriteTotals(Utf8JsonWriter json);

    /// <summary>The mode's traffic to one endpoint, as fields of that endpoint's object in <c>/status</c>.</summary>
    void WriteEndpointTraffic(Utf8JsonWriter json, Endpoint endpoint);
}
