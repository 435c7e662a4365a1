using System.Text;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Metrics;
using EtcdGateway.Tests.Metrics;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Metrics;

/// <summary>The grpc_server_* families as Prometheus reads them, labelled as go-grpc-prometheus labels an etcd member's.</summary>
public class GrpcServerMetricsTests
{
    private static Exposition Written(GrpcServerMetrics metrics)
    {
        var text = new StringBuilder();
        metrics.Write(new PrometheusWriter(text));
        return Exposition.Parse(text.ToString());
    }

    [Fact]
    public void EveryServedMethod_HasItsSeries_AtZero_BeforeAnyCall()
    {
        var page = Written(new GrpcServerMetrics(EtcdServices.Methods));

        Assert.Equal("counter", page.Types["grpc_server_started_total"]);
        Assert.Equal("counter", page.Types["grpc_server_handled_total"]);
        Assert.Equal("counter", page.Types["grpc_server_msg_received_total"]);
        Assert.Equal("counter", page.Types["grpc_server_msg_sent_total"]);

        // etcd's v3 API plus v3lock and v3election: 48 methods, each with every one of the 17 codes.
        Assert.Equal(48, page.Where("grpc_server_started_total").Count());
        Assert.Equal(48 * 17, page.Where("grpc_server_handled_total").Count());
        Assert.All(page.Samples, s => Assert.Equal(0, s.Value));
        Assert.Equal(0, page.Value("grpc_server_handled_total",
            ("grpc_code", "Canceled"), ("grpc_method", "Watch"), ("grpc_service", "etcdserverpb.Watch"), ("grpc_type", "bidi_stream")));
        Assert.Equal(0, page.Value("grpc_server_started_total", ("grpc_method", "LeaseKeepAlive"), ("grpc_service", "etcdserverpb.Lease"), ("grpc_type", "bidi_stream")));
        Assert.Equal(0, page.Value("grpc_server_started_total", ("grpc_method", "Snapshot"), ("grpc_service", "etcdserverpb.Maintenance"), ("grpc_type", "server_stream")));
        Assert.Equal(0, page.Value("grpc_server_started_total", ("grpc_method", "Observe"), ("grpc_service", "v3electionpb.Election"), ("grpc_type", "server_stream")));
        Assert.Equal(0, page.Value("grpc_server_started_total", ("grpc_method", "Lock"), ("grpc_service", "v3lockpb.Lock"), ("grpc_type", "unary")));

        // No call was timed: no empty histogram per method.
        Assert.DoesNotContain("grpc_server_handling_seconds", page.Types.Keys);
    }

    [Fact]
    public void GrpcCodes_AreGoNames_AndEveryOneIsThere()
    {
        var page = Written(new GrpcServerMetrics(EtcdServices.Methods));
        var codes = page.Where("grpc_server_handled_total", ("grpc_method", "Range")).Select(s => s.Labels["grpc_code"]);
        Assert.Equal(
            ["OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
             "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
             "DataLoss", "Unauthenticated"],
            codes);
        Assert.Equal("Canceled", GrpcStatusNames.Of(GrpcStatusNames.IndexOf(StatusCode.Cancelled)));
        Assert.Equal("Unknown", GrpcStatusNames.Of(GrpcStatusNames.IndexOf((StatusCode)99)));
    }

    [Fact]
    public void Lines_ReadAsOnAnEtcdMember()
    {
        var metrics = new GrpcServerMetrics(EtcdServices.Methods);
        var put = metrics.For("/etcdserverpb.KV/Put", GrpcMethodTypes.Unary);
        put.Started();
        put.Handled(StatusCode.OK, TimeSpan.FromMilliseconds(3));
        var text = new StringBuilder();
        metrics.Write(new PrometheusWriter(text));

        // Labels in name order, as Prometheus' Go client writes them (what etcd's own e2e tests grep for).
        Assert.Contains("\ngrpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1\n", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("\ngrpc_server_handling_seconds_bucket{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"0.005\"} 1\n", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Histogram_OnlyForMethodsCalled_WithPrometheusDefaultBuckets()
    {
        var metrics = new GrpcServerMetrics(EtcdServices.Methods);
        var range = metrics.For("/etcdserverpb.KV/Range", GrpcMethodTypes.Unary);
        range.Started();
        range.Handled(StatusCode.OK, TimeSpan.FromMilliseconds(20));
        range.Started();
        range.Handled(StatusCode.Unavailable, TimeSpan.FromSeconds(3));

        var page = Written(metrics);

        Assert.Equal("histogram", page.Types["grpc_server_handling_seconds"]);
        var buckets = page.Where("grpc_server_handling_seconds_bucket").ToList();
        Assert.All(buckets, b => Assert.Equal("Range", b.Labels["grpc_method"]));
        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], buckets.Select(b => b.Labels["le"]));
        Assert.Equal(1, buckets.Single(b => b.Labels["le"] == "0.025").Value);
        Assert.Equal(2, buckets.Single(b => b.Labels["le"] == "5").Value);
        Assert.Equal(2, page.Value("grpc_server_handling_seconds_count", ("grpc_method", "Range")));
        Assert.Equal(3.02, page.Value("grpc_server_handling_seconds_sum", ("grpc_method", "Range")), 6);
        Assert.Equal(1, page.Value("grpc_server_handled_total", ("grpc_code", "Unavailable"), ("grpc_method", "Range")));
    }

    [Fact]
    public void AMethodNotInTheDescriptors_IsCountedToo()
    {
        var metrics = new GrpcServerMetrics(EtcdServices.Methods);
        var other = metrics.For("/test.Echo/Say", GrpcMethodTypes.ServerStream);
        Assert.Same(other, metrics.For("/test.Echo/Say", GrpcMethodTypes.ServerStream));
        other.Started();

        var page = Written(metrics);

        Assert.Equal(1, page.Value("grpc_server_started_total", ("grpc_method", "Say"), ("grpc_service", "test.Echo"), ("grpc_type", "server_stream")));
        Assert.Equal(49, page.Where("grpc_server_started_total").Count());
    }

    [Fact]
    public void Calls_AreThoseStarted_AndThoseNotYetHandled()
    {
        var metrics = new GrpcServerMetrics(EtcdServices.Methods);
        var watch = metrics.For("/etcdserverpb.Watch/Watch", GrpcMethodTypes.BidiStream);
        var range = metrics.For("/etcdserverpb.KV/Range", GrpcMethodTypes.Unary);
        watch.Started();
        range.Started();
        range.Started();
        range.Handled(StatusCode.OK, TimeSpan.Zero);

        Assert.Equal((2, 3), metrics.Calls());
    }
}
