using System.Net;
using System.Text;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Tests.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Tests.Grpc.Metrics;

/// <summary>The calls the proxy makes to a member, counted on that member's channel, against a real gRPC server.</summary>
public class UpstreamCallInterceptorTests
{
    [Fact]
    public async Task UnaryCalls_EndWithTheMembersCode()
    {
        await using var member = await TestEtcdServer.StartAsync();
        using var channel = member.Channel();
        var counters = new EndpointCallCounters();
        var kv = new KV.KVClient(channel.CreateCallInvoker().Intercept(new UpstreamCallInterceptor(counters)));

        await kv.RangeAsync(new RangeRequest());
        await Assert.ThrowsAsync<RpcException>(async () => await kv.PutAsync(new PutRequest()));
        await Assert.ThrowsAsync<RpcException>(async () => await kv.DeleteRangeAsync(new DeleteRangeRequest()));

        Assert.Equal(3, counters.Started);
        Assert.Equal(1, counters.Ended(Index("OK")));
        Assert.Equal(1, counters.Ended(Index("InvalidArgument")));
        Assert.Equal(1, counters.Ended(Index("Unknown")));
        Assert.Equal(0, counters.Active);

        // The member's fault (Unknown) counts as failed; the client's bad request does not.
        Assert.Equal(1, counters.Failed);
    }

    [Fact]
    public async Task AMemberThatRefuses_IsUnavailable_AndFailed()
    {
        using var refusing = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        refusing.Start();
        var port = ((IPEndPoint)refusing.LocalEndpoint).Port;
        refusing.Stop();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var counters = new EndpointCallCounters();
        var kv = new KV.KVClient(channel.CreateCallInvoker().Intercept(new UpstreamCallInterceptor(counters)));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await kv.RangeAsync(new RangeRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, counters.Ended(Index("Unavailable")));
        Assert.Equal(1, counters.Failed);
        Assert.Equal(0, counters.Active);
    }

    [Fact]
    public async Task AStream_IsActiveWhileOpen_AndEndsOK_WhenReadToItsEnd()
    {
        await using var member = await TestEtcdServer.StartAsync();
        using var channel = member.Channel();
        var counters = new EndpointCallCounters();
        var maintenance = new Maintenance.MaintenanceClient(channel.CreateCallInvoker().Intercept(new UpstreamCallInterceptor(counters)));

        using (var call = maintenance.Snapshot(new SnapshotRequest()))
        {
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(1, counters.Active);
            while (await call.ResponseStream.MoveNext())
            {
            }

            Assert.Equal(0, counters.Active);
        }

        // Disposing after the end counts nothing more.
        Assert.Equal(1, counters.Ended(Index("OK")));
        Assert.Equal(1, counters.Started);
    }

    [Fact]
    public async Task AStreamLetGoBeforeItsEnd_EndsCanceled_Once()
    {
        await using var member = await TestEtcdServer.StartAsync();
        using var channel = member.Channel();
        var counters = new EndpointCallCounters();
        var watch = new WatchApi.WatchClient(channel.CreateCallInvoker().Intercept(new UpstreamCallInterceptor(counters)));

        var call = watch.Watch();
        await call.RequestStream.WriteAsync(new WatchRequest());
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal(1, counters.Active);
        call.Dispose();
        call.Dispose();

        Assert.Equal(1, counters.Ended(Index("Canceled")));
        Assert.Equal(0, counters.Active);
        Assert.Equal(0, counters.Failed);
    }

    [Fact]
    public void Metrics_ListEveryMemberOfTheSnapshot_WithEveryCode()
    {
        var upstream = new UpstreamCallMetrics();
        var called = upstream.For("127.0.0.1:2379");
        Assert.Same(called, upstream.For("127.0.0.1:2379"));
        called.CallStarted();
        called.CallStarted();
        called.CallEnded(StatusCode.Unavailable);
        var registry = new EndpointRegistry(
            [new Endpoint(new EndpointAddress("127.0.0.1", 2379), [IPAddress.Loopback]), new Endpoint(new EndpointAddress("127.0.0.1", 22379), [IPAddress.Loopback])],
            TimeProvider.System);
        var text = new StringBuilder();

        upstream.Write(new PrometheusWriter(text), registry.Current);

        var page = Exposition.Parse(text.ToString());
        Assert.Equal(2 * 17, page.Where("etcd_gateway_endpoint_calls_total").Count());
        Assert.Equal(1, page.Value("etcd_gateway_endpoint_calls_total", ("endpoint", "127.0.0.1:2379"), ("grpc_code", "Unavailable")));
        Assert.Equal(0, page.Value("etcd_gateway_endpoint_calls_total", ("endpoint", "127.0.0.1:22379"), ("grpc_code", "OK")));
        Assert.Equal(1, page.Value("etcd_gateway_endpoint_calls_active", ("endpoint", "127.0.0.1:2379")));
        Assert.Equal(0, page.Value("etcd_gateway_endpoint_calls_active", ("endpoint", "127.0.0.1:22379")));
    }

    private static int Index(string name) => Enumerable.Range(0, GrpcStatusNames.Count).Single(i => GrpcStatusNames.Of(i) == name);
}
