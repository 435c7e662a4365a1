using System.Text;
using EtcdGateway.Endpoints;
using EtcdGateway.Metrics;

namespace EtcdGateway.Admin;

/// <summary>
/// Everything <c>GET /metrics</c> exposes: the mode's own families (<see cref="IAdminModeView"/>), then those every mode
/// shares (endpoints in rotation, dial failures, health probes, the process). README's metrics tables list the same.
/// </summary>
internal static class MetricsReport
{
    public static string Write(AdminSources sources) => Write(sources.Registry, sources.Metrics, sources.View);

    /// <summary>The same page from its three sources, for a mode that serves it on its own port too (the proxy).</summary>
    public static string Write(EndpointRegistry registry, GatewayMetrics metrics, IAdminModeView view)
    {
        var text = new StringBuilder(4096);
        var w = new PrometheusWriter(text);
        var snapshot = registry.Current;
        var endpoints = snapshot.Statuses;

        view.WriteMetrics(w, snapshot);

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
        w.Histogram("etcd_gateway_health_probe_duration_seconds", metrics.ProbeDuration);

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
