using System.Net;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Tests.Grpc.Metrics;

/// <summary>
/// A real Kestrel gRPC server on a free loopback port, serving small stand-ins for etcd's KV, Watch and Maintenance
/// whose answers are chosen per method (an OK, an etcd error, a crash, a call that waits to be cancelled), with the
/// metrics interceptor installed as the proxy installs it.
/// </summary>
internal sealed class TestEtcdServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestEtcdServer(WebApplication app, GrpcServerMetrics metrics, Uri address)
    {
        _app = app;
        Metrics = metrics;
        Address = address;
    }

    public GrpcServerMetrics Metrics { get; }

    public Uri Address { get; }

    public static async Task<TestEtcdServer> StartAsync()
    {
        var metrics = new GrpcServerMetrics(EtcdServices.Methods);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(new GrpcServerMetricsInterceptor(metrics, TimeProvider.System));
        builder.Services.AddGrpc(grpc => grpc.Interceptors.Add<GrpcServerMetricsInterceptor>());
        var app = builder.Build();
        app.MapGrpcService<KvStandIn>();
        app.MapGrpcService<WatchStandIn>();
        app.MapGrpcService<MaintenanceStandIn>();
        await app.StartAsync();
        return new TestEtcdServer(app, metrics, new Uri(app.Urls.First()));
    }

    public GrpcChannel Channel() => GrpcChannel.ForAddress(Address);

    /// <summary>Waits until <paramref name="condition"/> holds: a handler counts its end after the client may already have seen it.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"still not so after 10 s: {what}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Range answers; Put refuses as etcd refuses an empty key; DeleteRange crashes; Txn waits to be cancelled; Compact sets a status and returns.</summary>
    private sealed class KvStandIn : KV.KVBase
    {
        public override Task<RangeResponse> Range(RangeRequest request, ServerCallContext context) => Task.FromResult(new RangeResponse { Count = 1 });

        public override Task<PutResponse> Put(PutRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.InvalidArgument, "etcdserver: key is not provided"));

        public override Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context) =>
            throw new InvalidOperationException("a fault in the handler");

        public override async Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            return new TxnResponse();
        }

        public override Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context)
        {
            context.Status = new Status(StatusCode.OutOfRange, "etcdserver: mvcc: required revision is a future revision");
            return Task.FromResult(new CompactionResponse());
        }
    }

    /// <summary>Answers every request with two responses, until the client closes its side.</summary>
    private sealed class WatchStandIn : WatchApi.WatchBase
    {
        public override async Task Watch(IAsyncStreamReader<WatchRequest> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
        {
            await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(new WatchResponse { Created = true });
                await responseStream.WriteAsync(new WatchResponse { WatchId = 1 });
            }
        }
    }

    /// <summary>Snapshot streams three chunks and ends.</summary>
    private sealed class MaintenanceStandIn : Maintenance.MaintenanceBase
    {
        public override async Task Snapshot(SnapshotRequest request, IServerStreamWriter<SnapshotResponse> responseStream, ServerCallContext context)
        {
            for (var i = 0; i < 3; i++)
            {
                await responseStream.WriteAsync(new SnapshotResponse { RemainingBytes = (ulong)(2 - i) });
            }
        }
    }
}
