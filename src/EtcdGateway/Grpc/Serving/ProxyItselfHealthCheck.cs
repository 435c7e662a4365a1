using System.Net;
using EtcdGateway.Grpc.Tls;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// <c>GET /proxy/health</c>, etcd 3.5's check of the proxy itself rather than of the cluster: as a client of its own port,
/// the proxy reads key <c>a</c> (1 s, etcd's <c>/health</c> check) and then opens a watch on it, which must answer within
/// 3 s (<c>WATCH TIMEOUT</c> otherwise). So the whole serving path is checked: listener, HTTP/2, the services, the member
/// picked. etcd dials <c>--advertise-client-url</c> for this and answers "no connection to proxy" when it is empty (and
/// checks some other process when it names one); ours dials the address its listener is bound to.
/// </summary>
internal sealed class ProxyItselfHealthCheck(EndPoint listenAddress, ClientTlsTerminator? tls, JsonLogger logger, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan WatchDeadline = TimeSpan.FromSeconds(3);
    private static readonly WatchRequest WatchProbe = new() { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8("a") } };

    private readonly System.Threading.Lock _lock = new();
    private GrpcChannel? _channel;
    private System.Net.Security.SslStreamCertificateContext? _presenting;
    private bool _disposed;

    public Task HandleAsync(HttpContext http) => HealthAnswer.WriteAsync(http, CheckAsync, logger);

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _channel?.Dispose();
            _channel = null;
        }
    }

    private async Task<(bool Healthy, string Reason)> CheckAsync(CancellationToken aborted)
    {
        var channel = Channel();
        if (channel is null)
        {
            return (false, "no connection to proxy");
        }

        var read = await ProxyHealthCheck.ReadAsync(new KV.KVClient(channel), time, aborted);
        return read.Healthy ? await WatchAsync(new WatchApi.WatchClient(channel), aborted) : read;
    }

    private async Task<(bool Healthy, string Reason)> WatchAsync(WatchApi.WatchClient watch, CancellationToken aborted)
    {
        using var deadline = new CancellationTokenSource(WatchDeadline, time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
        try
        {
            using var call = watch.Watch(new CallOptions(cancellationToken: both.Token));
            await call.RequestStream.WriteAsync(WatchProbe, both.Token);

            // Any answer (Created, or a cancel saying why, such as a permission denied with auth on) shows the path works.
            return await call.ResponseStream.MoveNext(both.Token) ? (true, "") : (false, "WATCH ERROR:the watch ended without an answer");
        }
        catch (Exception e) when (deadline.IsCancellationRequested && e is OperationCanceledException or RpcException)
        {
            return (false, "WATCH TIMEOUT");
        }
        catch (RpcException e) when (!aborted.IsCancellationRequested)
        {
            return (false, $"WATCH ERROR:{e.Status.Detail}");
        }
    }

    /// <summary>One channel to the proxy's own port, made at the first check (most proxies are never asked).</summary>
    private GrpcChannel? Channel()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return null;
            }

            // A renewed certificate file: a new channel, so the check presents what clients are shown now.
            if (_channel is null || (tls is not null && !ReferenceEquals(_presenting, tls.Certificate)))
            {
                _channel?.Dispose();
                _presenting = tls?.Certificate;
                _channel = Open(tls?.Certificate);
            }

            return _channel;
        }
    }

    private GrpcChannel Open(System.Net.Security.SslStreamCertificateContext? certificate)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (tls is not null)
        {
            // The connection goes to this process's own listening socket: the certificate it must find there is the one
            // the proxy serves, whatever names it carries (an --auto-tls one names no loopback address). When clients must
            // present a certificate, the proxy presents that same one, as etcd's does.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => tls.IsServing(presented);
            handler.SslOptions.ClientCertificateContext = certificate;
        }

        return GrpcChannel.ForAddress($"{(tls is null ? "http" : "https")}://{Reachable(listenAddress)}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxRetryAttempts = 0,
        });
    }

    /// <summary>The listen address as a client reaches it: a wildcard listener is reached on loopback.</summary>
    private static EndPoint Reachable(EndPoint address) => address switch
    {
        IPEndPoint { Address: var any } ip when any.Equals(IPAddress.Any) => new IPEndPoint(IPAddress.Loopback, ip.Port),
        IPEndPoint { Address: var any } ip when any.Equals(IPAddress.IPv6Any) => new IPEndPoint(IPAddress.IPv6Loopback, ip.Port),
        _ => address,
    };
}
