using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Tests.Grpc.Metrics;

/// <summary>The interceptor on a real Kestrel gRPC server, driven by a real gRPC client: what it counts for each way a call can end.</summary>
public class GrpcServerMetricsInterceptorTests
{
    [Fact]
    public async Task Unary_OK_CountsStarted_Handled_OneMessageEachWay_AndItsDuration()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);

        await kv.RangeAsync(new RangeRequest());
        await kv.RangeAsync(new RangeRequest());

        var range = Method(server, "etcdserverpb.KV", "Range");
        await TestEtcdServer.EventuallyAsync(() => range.HandledTotal() == 2, "two Ranges handled");
        Assert.Equal("unary", range.Type);
        Assert.Equal(2, range.StartedCount);
        Assert.Equal(2, range.HandledCount(Index("OK")));
        Assert.Equal(2, range.ReceivedCount);
        Assert.Equal(2, range.SentCount);
        Assert.Equal(2, range.Handling.Read().Cumulative[^1]);
    }

    [Fact]
    public async Task Unary_EtcdError_IsHandledWithItsCode_AndSendsNothing()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await kv.PutAsync(new PutRequest()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);

        var put = Method(server, "etcdserverpb.KV", "Put");
        await TestEtcdServer.EventuallyAsync(() => put.HandledTotal() == 1, "Put handled");
        Assert.Equal(1, put.HandledCount(Index("InvalidArgument")));
        Assert.Equal(1, put.ReceivedCount);
        Assert.Equal(0, put.SentCount);
    }

    [Fact]
    public async Task Unary_HandlerFault_IsUnknown_AsTheClientSeesIt()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await kv.DeleteRangeAsync(new DeleteRangeRequest()));
        Assert.Equal(StatusCode.Unknown, error.StatusCode);

        var delete = Method(server, "etcdserverpb.KV", "DeleteRange");
        await TestEtcdServer.EventuallyAsync(() => delete.HandledTotal() == 1, "DeleteRange handled");
        Assert.Equal(1, delete.HandledCount(Index("Unknown")));
    }

    [Fact]
    public async Task Unary_StatusSetWithoutThrowing_IsHandledWithThatStatus()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await kv.CompactAsync(new CompactionRequest()));
        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);

        var compact = Method(server, "etcdserverpb.KV", "Compact");
        await TestEtcdServer.EventuallyAsync(() => compact.HandledTotal() == 1, "Compact handled");
        Assert.Equal(1, compact.HandledCount(Index("OutOfRange")));
        Assert.Equal(0, compact.SentCount);
    }

    [Fact]
    public async Task Unary_ClientCancel_IsCanceled()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);
        var txn = Method(server, "etcdserverpb.KV", "Txn");

        // Cancel only once the server runs the call: a cancel before it arrives would never reach the server at all.
        using var cancel = new CancellationTokenSource();
        var call = kv.TxnAsync(new TxnRequest(), cancellationToken: cancel.Token);
        await TestEtcdServer.EventuallyAsync(() => txn.StartedCount == 1, "the Txn started");
        await cancel.CancelAsync();
        var cancelled = await Assert.ThrowsAsync<RpcException>(async () => await call);
        Assert.Equal(StatusCode.Cancelled, cancelled.StatusCode);

        await TestEtcdServer.EventuallyAsync(() => txn.HandledTotal() == 1, "the cancelled Txn handled");
        Assert.Equal(1, txn.HandledCount(Index("Canceled")));
    }

    [Fact]
    public async Task Unary_PastItsDeadline_EndsDeadlineExceeded_OrCanceled_AsTheRaceFalls()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);
        await kv.RangeAsync(new RangeRequest());

        var late = await Assert.ThrowsAsync<RpcException>(async () => await kv.TxnAsync(new TxnRequest(), deadline: DateTime.UtcNow.AddMilliseconds(300)));
        Assert.Equal(StatusCode.DeadlineExceeded, late.StatusCode);

        // The client's deadline fires too and resets the stream; whichever the server sees first decides, as in gRPC-Go.
        var txn = Method(server, "etcdserverpb.KV", "Txn");
        await TestEtcdServer.EventuallyAsync(() => txn.HandledTotal() == 1, "the late Txn handled");
        Assert.Equal(1, txn.HandledCount(Index("DeadlineExceeded")) + txn.HandledCount(Index("Canceled")));
    }

    [Theory]
    [InlineData(true, -1, "DeadlineExceeded")]
    [InlineData(true, 60, "Canceled")]
    [InlineData(false, -1, "Unknown")]
    public void AHandlerStoppedByItsCallsEnd_IsCountedAsTheCallEnded(bool cancelled, int deadlineInSeconds, string expected)
    {
        var time = new ManualTimeProvider();
        var interceptor = new GrpcServerMetricsInterceptor(new GrpcServerMetrics([]), time);
        var context = new StubServerCallContext(time.GetUtcNow().UtcDateTime.AddSeconds(deadlineInSeconds), new CancellationToken(cancelled));

        var code = interceptor.CodeOf(new OperationCanceledException(), context);

        Assert.Equal(expected, GrpcStatusNames.Of(GrpcStatusNames.IndexOf(code)));
        Assert.Equal(StatusCode.PermissionDenied, interceptor.CodeOf(new RpcException(new Status(StatusCode.PermissionDenied, "")), context));
    }

    [Fact]
    public async Task ServerStream_CountsTheRequest_AndEachMessageSent()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var maintenance = new Maintenance.MaintenanceClient(channel);

        using var call = maintenance.Snapshot(new SnapshotRequest());
        var chunks = 0;
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
            chunks++;
        }

        var snapshot = Method(server, "etcdserverpb.Maintenance", "Snapshot");
        await TestEtcdServer.EventuallyAsync(() => snapshot.HandledTotal() == 1, "Snapshot handled");
        Assert.Equal(3, chunks);
        Assert.Equal("server_stream", snapshot.Type);
        Assert.Equal(1, snapshot.HandledCount(Index("OK")));
        Assert.Equal(1, snapshot.ReceivedCount);
        Assert.Equal(3, snapshot.SentCount);
    }

    [Fact]
    public async Task BidiStream_CountsMessagesBothWays_AndEndsCanceled_WhenTheClientCancels()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var client = new WatchApi.WatchClient(channel);
        var watch = Method(server, "etcdserverpb.Watch", "Watch");

        using (var cancel = new CancellationTokenSource())
        using (var call = client.Watch(cancellationToken: cancel.Token))
        {
            for (var i = 0; i < 3; i++)
            {
                await call.RequestStream.WriteAsync(new WatchRequest());
                Assert.True(await call.ResponseStream.MoveNext());
                Assert.True(await call.ResponseStream.MoveNext());
            }

            Assert.Equal(1, watch.StartedCount - watch.HandledTotal());
            await cancel.CancelAsync();
        }

        await TestEtcdServer.EventuallyAsync(() => watch.HandledTotal() == 1, "the cancelled Watch handled");
        Assert.Equal("bidi_stream", watch.Type);
        Assert.Equal(1, watch.HandledCount(Index("Canceled")));
        Assert.Equal(3, watch.ReceivedCount);
        Assert.Equal(6, watch.SentCount);

        // A stream the client closes cleanly ends OK.
        using (var call = client.Watch())
        {
            await call.RequestStream.WriteAsync(new WatchRequest());
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext())
            {
            }
        }

        await TestEtcdServer.EventuallyAsync(() => watch.HandledTotal() == 2, "the closed Watch handled");
        Assert.Equal(1, watch.HandledCount(Index("OK")));
        Assert.Equal(4, watch.ReceivedCount);
        Assert.Equal(8, watch.SentCount);
    }

    [Fact]
    public async Task ConcurrentCalls_LoseNoCount()
    {
        await using var server = await TestEtcdServer.StartAsync();
        using var channel = server.Channel();
        var kv = new KV.KVClient(channel);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < 50; i++)
            {
                await kv.RangeAsync(new RangeRequest());
            }
        }));

        var range = Method(server, "etcdserverpb.KV", "Range");
        await TestEtcdServer.EventuallyAsync(() => range.HandledTotal() == 400, "400 Ranges handled");
        Assert.Equal(400, range.StartedCount);
        Assert.Equal(400, range.SentCount);
        Assert.Equal(400, range.Handling.Read().Cumulative[^1]);
    }

    private static GrpcMethodCounters Method(TestEtcdServer server, string service, string method) =>
        Assert.Single(server.Metrics.Methods, m => m.Service == service && m.Method == method);

    private static int Index(string name) => Enumerable.Range(0, GrpcStatusNames.Count).Single(i => GrpcStatusNames.Of(i) == name);
}
