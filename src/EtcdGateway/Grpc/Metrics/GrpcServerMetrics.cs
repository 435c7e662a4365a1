using System.Collections.Concurrent;
using System.Collections.Frozen;
using EtcdGateway.Metrics;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// The proxy's own <c>grpc_server_*</c> families, labelled as go-grpc-prometheus labels them (what etcd members expose and
/// what etcd's dashboards and alerts query). Every served method gets its counters up front, from the services'
/// list (<see cref="EtcdServices"/>): the hot path only looks its method up in a frozen table, and every series exists from the first scrape
/// (at zero, as etcd's own members show them), so a rate never misses a method's first calls.
/// </summary>
internal sealed class GrpcServerMetrics
{
    private readonly FrozenDictionary<string, GrpcMethodCounters> _served;
    private readonly GrpcMethodCounters[] _servedInOrder;

    // A method missing from the list (none in the product; a service added without it): counted all the same.
    private readonly ConcurrentDictionary<string, GrpcMethodCounters> _others = new(StringComparer.Ordinal);

    public GrpcServerMetrics(IEnumerable<ServedMethod> methods)
    {
        _servedInOrder = [.. methods.Select(m => new GrpcMethodCounters(m.Service, m.Name, m.Type))];
        _served = _servedInOrder.ToFrozenDictionary(c => $"/{c.Service}/{c.Method}", StringComparer.Ordinal);
    }

    /// <summary>Every method counted so far: the served ones in the protos' order, then any other.</summary>
    public IEnumerable<GrpcMethodCounters> Methods => _servedInOrder.Concat(_others.Values.OrderBy(c => c.Service, StringComparer.Ordinal).ThenBy(c => c.Method, StringComparer.Ordinal));

    /// <summary>The counters of <paramref name="fullMethod"/> (<c>/etcdserverpb.KV/Range</c>); <paramref name="type"/> names a method not known up front.</summary>
    public GrpcMethodCounters For(string fullMethod, string type) =>
        _served.TryGetValue(fullMethod, out var counters) ? counters : _others.GetOrAdd(fullMethod, NewOther, type);

    /// <summary>Calls being served now and calls served since start, over every method.</summary>
    public (long Active, long Total) Calls()
    {
        long started = 0, handled = 0;
        foreach (var m in Methods)
        {
            // Handled first: a call that ends between the two reads is then never counted as ended but not started.
            handled += m.HandledTotal();
            started += m.StartedCount;
        }

        return (Math.Max(0, started - handled), started);
    }

    public void Write(PrometheusWriter w)
    {
        var methods = Methods.ToList();

        w.Family("grpc_server_started_total", "counter", "Total number of RPCs started on the server.");
        foreach (var m in methods)
        {
            w.Sample("grpc_server_started_total", m.StartedCount, Labels(m));
        }

        w.Family("grpc_server_handled_total", "counter", "Total number of RPCs completed on the server, regardless of success or failure.");
        foreach (var m in methods)
        {
            for (var code = 0; code < GrpcStatusNames.Count; code++)
            {
                w.Sample("grpc_server_handled_total", m.HandledCount(code),
                    ("grpc_code", GrpcStatusNames.Of(code)), ("grpc_method", m.Method), ("grpc_service", m.Service), ("grpc_type", m.Type));
            }
        }

        w.Family("grpc_server_msg_received_total", "counter", "Total number of RPC stream messages received on the server.");
        foreach (var m in methods)
        {
            w.Sample("grpc_server_msg_received_total", m.ReceivedCount, Labels(m));
        }

        w.Family("grpc_server_msg_sent_total", "counter", "Total number of gRPC stream messages sent by the server.");
        foreach (var m in methods)
        {
            w.Sample("grpc_server_msg_sent_total", m.SentCount, Labels(m));
        }

        // Fourteen series per method: only methods that were called, or the page would be mostly empty buckets.
        var timed = methods.Where(m => m.HandledTotal() > 0).ToList();
        if (timed.Count > 0)
        {
            w.Family("grpc_server_handling_seconds", "histogram", "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.");
            foreach (var m in timed)
            {
                w.Histogram("grpc_server_handling_seconds", m.Handling, Labels(m));
            }
        }
    }

    /// <summary>In name order, as Prometheus' Go client writes them, so a line reads the same as on an etcd member.</summary>
    private static (string, string)[] Labels(GrpcMethodCounters m) =>
        [("grpc_method", m.Method), ("grpc_service", m.Service), ("grpc_type", m.Type)];

    private static GrpcMethodCounters NewOther(string fullMethod, string type)
    {
        var name = fullMethod.TrimStart('/');
        var slash = name.LastIndexOf('/');
        return new GrpcMethodCounters(slash < 0 ? "" : name[..slash], name[(slash + 1)..], type);
    }
}
