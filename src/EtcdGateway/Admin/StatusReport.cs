using System.Globalization;
using System.Text.Json;
using EtcdGateway.Balancing;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Admin;

/// <summary>Writes <c>GET /status</c> and <c>GET /health</c> (see docs/admin-api.md) from one endpoint snapshot.</summary>
internal static class StatusReport
{
    public static void WriteStatus(Utf8JsonWriter json, AdminSources sources)
    {
        var snapshot = sources.Registry.Current;
        var options = sources.Settings.Options;
        var now = sources.Time.GetUtcNow();
        json.WriteStartObject();
        json.WriteString("version", VersionInfo.Version);
        json.WriteString("mode", sources.View.Mode);
        json.WriteString("listen", sources.Listen);
        json.WriteString("startTime", Timestamp(sources.StartTime));
        json.WriteNumber("uptimeSeconds", Math.Round((now - sources.StartTime).TotalSeconds, 1));
        json.WriteString("pickPolicy", PickPolicyFactory.NameOf(options.PickPolicy));
        json.WriteString("healthCheck", options.Health.Mode.ToString().ToLowerInvariant());
        json.WriteBoolean("healthy", snapshot.Available.Count > 0);
        json.WriteBoolean("panic", snapshot.IsPanic);
        sources.View.WriteTotals(json);
        json.WriteStartArray("endpoints");
        foreach (var status in snapshot.Statuses)
        {
            json.WriteStartObject();
            json.WriteString("address", status.Endpoint.Name);
            json.WriteString("state", EndpointState.Of(status, snapshot));
            json.WriteString("health", EndpointHealthNames.Of(status.Health));
            json.WriteString("source", status.Source);
            sources.View.WriteEndpointTraffic(json, status.Endpoint);
            json.WriteNumber("dialFailures", status.Endpoint.Stats.DialFailures);
            json.WriteString("lastError", status.LastError);
            json.WriteString("lastChange", Timestamp(status.Since));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// The verdict when the endpoint snapshot decides health (the L4 gateway): healthy while an endpoint is in rotation;
    /// panic mode is unhealthy, so a supervisor sees it. Returns the HTTP status.
    /// </summary>
    public static int WriteHealth(Utf8JsonWriter json, AdminSources sources)
    {
        var snapshot = sources.Registry.Current;
        json.WriteStartObject();
        if (snapshot.Available.Count > 0)
        {
            json.WriteString("health", "true");
            json.WriteEndObject();
            return 200;
        }

        json.WriteString("health", "false");
        json.WriteString("reason", snapshot.IsPanic
            ? $"no endpoint passes its health check; panic mode routes to {string.Join(", ", snapshot.Routable.Select(e => e.Name))}"
            : snapshot.Statuses.Length == 0 ? "no endpoints configured" : "no endpoint is reachable");
        json.WriteEndObject();
        return 503;
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
