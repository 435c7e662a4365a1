using System.Collections.Concurrent;
using EtcdGateway.Endpoints;
using EtcdGateway.Metrics;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// The proxy's calls to the cluster, per member (<c>etcd_gateway_endpoint_calls_*</c>): what the L4 gateway's per-endpoint
/// connection counts are to it. Counters are kept by member name, so a member that leaves and comes back (reload, member
/// sync) keeps counting up; a member's channel takes its counters once, so calls never look them up.
/// </summary>
internal sealed class UpstreamCallMetrics
{
    private readonly ConcurrentDictionary<string, EndpointCallCounters> _byEndpoint = new(StringComparer.Ordinal);

    /// <summary>The counters of the member named <paramref name="endpoint"/> (<c>host:port</c>), made on first use.</summary>
    public EndpointCallCounters For(string endpoint) => _byEndpoint.GetOrAdd(endpoint, static _ => new EndpointCallCounters());

    /// <summary>The member's counters if it was ever called, else null.</summary>
    public EndpointCallCounters? Find(string endpoint) => _byEndpoint.GetValueOrDefault(endpoint);

    /// <summary>The members of <paramref name="snapshot"/>, each with every code (zero until seen), as for grpc_server_handled_total.</summary>
    public void Write(PrometheusWriter w, EndpointSnapshot snapshot)
    {
        w.Family("etcd_gateway_endpoint_calls_total", "counter",
            "Calls the proxy made to each endpoint, by the gRPC status they ended with; a call tried on several endpoints counts on each.");
        foreach (var s in snapshot.Statuses)
        {
            var counters = Find(s.Endpoint.Name);
            for (var code = 0; code < GrpcStatusNames.Count; code++)
            {
                w.Sample("etcd_gateway_endpoint_calls_total", counters?.Ended(code) ?? 0, ("endpoint", s.Endpoint.Name), ("grpc_code", GrpcStatusNames.Of(code)));
            }
        }

        w.Family("etcd_gateway_endpoint_calls_active", "gauge", "Calls and streams the proxy has open to each endpoint now.");
        foreach (var s in snapshot.Statuses)
        {
            w.Sample("etcd_gateway_endpoint_calls_active", Find(s.Endpoint.Name)?.Active ?? 0, ("endpoint", s.Endpoint.Name));
        }
    }
}
