using System.Text;
using EtcdGateway.Metrics;

namespace EtcdGateway.Admin;

/// <summary>Everything <c>GET /metrics</c> exposes; README's metrics table lists the same families.</summary>
internal static class MetricsReport
{
    public static string Write(AdminSources sources)
    {
        var text = new StringBuilder(4096);
        var w = new PrometheusWriter(text);
        var snapshot = sources.Registry.Current;
        var endpoints = snapshot.Statuses;

        w.Family("etcd_gateway_connections_active", "gauge", "Client connections open now.");
        w.Sample("etcd_gateway_connections_active", sources.Tracker.Count);

        w.Family("etcd_gateway_connections_max", "gauge", "Client connections the gateway accepts at most (from the file-descriptor limit); past it, new ones wait in the backlog.");
        w.Sample("etcd_gateway_connections_max", sources.Tracker.MaxConnections);

        w.Family("etcd_gateway_connections_accepted_total", "counter", "Client connections accepted since start.");
        w.Sample("etcd_gateway_connections_accepted_total", sources.Metrics.Accepted);

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

        w.Family("etcd_gateway_dial_failures_total", "counter", "Dials to an endpoint that failed or timed out.");
        foreach (var s in endpoints)
        {
            w.Sample("etcd_gateway_dial_failures_total", s.Endpoint.Stats.DialFailures, ("endpoint", s.Endpoint.Name));
        }

        w.Family("etcd_gateway_endpoint_up", "gauge", "1 when the endpoint is in rotation.");
        foreach (var s in endpoints)
        {
            w.Sample("etcd_gateway_endpoint_up", s.IsAvailable ? 1 : 0, ("endpoint", s.Endpoint.Name));
        }

        w.Family("etcd_gateway_panic_mode", "gauge", "1 when no endpoint passes its health check and traffic goes to those that still answer.");
        w.Sample("etcd_gateway_panic_mode", snapshot.IsPanic ? 1 : 0);

        w.Family("etcd_gateway_health_probes_total", "counter", "Health probes per endpoint and result.");
        foreach (var s in endpoints)
        {
            w.Sample("etcd_gateway_health_probes_total", s.Endpoint.Stats.ProbesPassed, ("endpoint", s.Endpoint.Name), ("result", "pass"));
            w.Sample("etcd_gateway_health_probes_total", s.Endpoint.Stats.ProbesFailed, ("endpoint", s.Endpoint.Name), ("result", "fail"));
        }

        w.Family("etcd_gateway_health_probe_duration_seconds", "histogram", "How long health probes took.");
        w.Histogram("etcd_gateway_health_probe_duration_seconds", sources.Metrics.ProbeDuration);

        w.Family("etcd_gateway_connection_duration_seconds", "histogram", "How long client connections lasted, accept to close.");
        w.Histogram("etcd_gateway_connection_duration_seconds", sources.Metrics.ConnectionDuration);

        var process = ProcessStats.Read();
        w.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        w.Sample("process_resident_memory_bytes", process.ResidentBytes);
        w.Family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        w.Sample("process_cpu_seconds_total", process.CpuSeconds);
        w.Family("process_open_fds", "gauge", "Number of open file descriptors.");
        w.Sample("process_open_fds", process.OpenFds);
        w.Family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        w.Sample("process_start_time_seconds", process.StartTimeSeconds);
        return text.ToString();
    }
}
