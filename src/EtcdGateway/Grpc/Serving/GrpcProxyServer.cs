using EtcdGateway.Cli;
using EtcdGateway.Grpc.Cache;
using EtcdGateway.Grpc.Auth;
using EtcdGateway.Grpc.Cluster;
using EtcdGateway.Grpc.Election;
using EtcdGateway.Grpc.Kv;
using EtcdGateway.Grpc.Lease;
using EtcdGateway.Grpc.Lock;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Grpc.Maintenance;
using EtcdGateway.Grpc.Registration;
using EtcdGateway.Grpc.Tls;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Grpc.Watch;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ElectionApi = EtcdGateway.Protos.V3electionpb.Election;
using LockApi = EtcdGateway.Protos.V3lockpb.Lock;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// The proxy's web server: Kestrel with etcd's eight gRPC services and the HTTP pages of <see cref="ListenPortPages"/>, listening on the host's socket
/// through <see cref="SharedPortTransport"/>. Each service is made here, once, over the one way to the cluster (calls) or
/// <see cref="MemberStreams"/> (the streams that move between members); the places where later layers (namespace, cache,
/// coalescing) wrap a service are these lines.
/// </summary>
internal static class GrpcProxyServer
{
    /// <summary>etcd's proxy serves with gRPC-Go's default receive limit; a larger request is refused before it is read.</summary>
    public const int MaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <param name="tls">The TLS side of each handshake with clients, or null when clients speak plain HTTP.</param>
    public static WebApplication Build(
        SharedPortTransport transport, ClientTlsTerminator? tls, CallInvoker cluster, MemberStreams streams, GrpcProxyOptions options, ProxyMemberList? proxyMembers, int maxConnections,
        ListenPortPages pages, GrpcServerMetricsInterceptor metrics, ClientConnectionMetrics connections, ProxyMetrics proxy, RangeCache? rangeCache)
    {
        // The empty builder: no configuration files, environment or command-line sources, no logging providers. The
        // proxy's settings are its flags, and each source the default builders add costs start-up time.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<IHostLifetime, HostLifetimeWithoutSignals>();

        // The drain (--drain-timeout) bounds the stop, not the web host's own 30 s default.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<IConnectionListenerFactory>(transport);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            if (tls is null)
            {
                kestrel.Listen(new SharedPortEndPoint(SharedPortProtocol.Http2, transport.ListenAddress), listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.Use(connections.Count);
                });
                kestrel.Listen(new SharedPortEndPoint(SharedPortProtocol.Http1, transport.ListenAddress), listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    listen.Use(connections.Count);
                });
            }
            else
            {
                kestrel.Listen(new SharedPortEndPoint(SharedPortProtocol.Tls, transport.ListenAddress), listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.Use(connections.Count);
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = tls.OnConnectionAsync,

                        // As long as a plain connection may take to send its first bytes, and as etcd's TLS listener allows.
                        HandshakeTimeout = SharedPortTransport.FirstBytesTimeout,
                    });
                });
            }

            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = maxConnections;
            kestrel.Limits.Http2.MaxStreamsPerConnection = (int)Math.Min(options.MaxConcurrentStreams, int.MaxValue);
            kestrel.Limits.Http2.KeepAlivePingDelay = ServerKeepAlive.PingDelay(options.GrpcKeepAliveInterval);
            kestrel.Limits.Http2.KeepAlivePingTimeout = ServerKeepAlive.PingTimeout(options.GrpcKeepAliveTimeout);
        });
        // One interceptor instance for every call (registered, so it is not made per call); first, so it sees every end.
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton<IGrpcInterceptorActivator<GrpcServerMetricsInterceptor>>(new RegisteredInterceptorActivator<GrpcServerMetricsInterceptor>());
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = null;
            grpc.Interceptors.Add<GrpcServerMetricsInterceptor>();
        });
        EtcdServiceBinding.Register(builder.Services);

        var keys = KeySpace.Of(options.Namespace);
        builder.Services.AddSingleton(new KvService(new KV.KVClient(cluster), keys, rangeCache));
        builder.Services.AddSingleton(new WatchService(new WatchHub(streams, keys, WatchHistoryLimits.Default with { Events = options.WatchHistorySize }, proxy.WatchCoalescing,
            new CatchUpLimiter(options.WatchCatchUpLimit, proxy.WatchCoalescing))));
        builder.Services.AddSingleton(new LeaseService(new Protos.Etcdserverpb.Lease.LeaseClient(cluster), keys, new SharedKeepAliveStreams(streams, proxy.LeaseKeepAlive)));
        builder.Services.AddSingleton(new ClusterService(new Protos.Etcdserverpb.Cluster.ClusterClient(cluster), proxyMembers));
        builder.Services.AddSingleton(new MaintenanceService(new Protos.Etcdserverpb.Maintenance.MaintenanceClient(cluster)));
        builder.Services.AddSingleton(new AuthService(new Protos.Etcdserverpb.Auth.AuthClient(cluster)));
        builder.Services.AddSingleton(new LockService(new LockApi.LockClient(cluster), keys));
        builder.Services.AddSingleton(new ElectionService(new ElectionApi.ElectionClient(cluster), keys));

        var app = builder.Build();
        EtcdServiceBinding.Map(app);

        pages.MapOn(app);
        return app;
    }
}
