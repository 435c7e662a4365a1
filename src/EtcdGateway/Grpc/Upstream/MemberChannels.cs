using System.Collections.Immutable;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Metrics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// One gRPC channel per member, made on first use and shared by every call to that member (HTTP/2 multiplexes them).
/// Connections are opened by our own dialer within <c>--dial-timeout</c>, so a member that does not answer costs a call
/// at most that long, and a refused or timed-out connect surfaces as a <see cref="DialException"/>: the call never
/// reached the member and may go to another. A TLS member's connection is wrapped in TLS right there
/// (<see cref="MemberTls"/>), so a refused certificate or a stuck handshake is such a dial failure too, and HTTP/2 then
/// runs over it as over a plain one. The set of channels is an immutable snapshot swapped on change. Each channel counts
/// the calls made through it (<see cref="UpstreamCallMetrics"/>).
/// </summary>
internal sealed class MemberChannels(
    EndpointRegistry registry, GrpcProxyOptions options, MemberTls tls, Func<TimeSpan> dialTimeout, UpstreamCallMetrics calls, TimeProvider time) : IDisposable
{
    /// <summary>gRPC's framing of an empty message: not compressed, length zero (grpc.health.v1's HealthCheckRequest with no service).</summary>
    private static readonly byte[] EmptyMessage = new byte[5];

    private readonly CancellationTokenSource _disposing = new();
    private ImmutableDictionary<EndpointAddress, Member> _channels = ImmutableDictionary<EndpointAddress, Member>.Empty;
    private bool _disposed;

    /// <summary>The invoker for calls to <paramref name="endpoint"/>.</summary>
    public CallInvoker For(Endpoint endpoint)
    {
        var channels = Volatile.Read(ref _channels);
        return (channels.TryGetValue(endpoint.Address, out var member) ? member : Add(endpoint.Address)).Invoker;
    }

    /// <summary>
    /// Makes each member's channel and opens its connection in the background, as etcd's proxy dials its members at start:
    /// the first client call then finds the connection open (and the HTTP/2 client's code run once) instead of paying for both
    /// after the proxy started serving. The connection is opened by the standard gRPC health check (grpc.health.v1, which a
    /// member serves), a request that reads nothing from the store and that our call counters do not see; its answer is not
    /// used. A member that cannot be reached costs nothing here: calls dial it again as always.
    /// </summary>
    public Task OpenConnectionsAsync(IEnumerable<Endpoint> members) =>
        Task.WhenAll(members.Select(endpoint => Task.Run(() => OpenConnectionAsync(endpoint.Address))));

    private async Task OpenConnectionAsync(EndpointAddress address)
    {
        try
        {
            var member = Volatile.Read(ref _channels).TryGetValue(address, out var existing) ? existing : Add(address);
            using var invoker = new HttpMessageInvoker(member.Handler, disposeHandler: false);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{address}/grpc.health.v1.Health/Check")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent(EmptyMessage),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
            using var response = await invoker.SendAsync(request, _disposing.Token);
            await response.Content.CopyToAsync(Stream.Null, _disposing.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ObjectDisposedException or IOException or System.Security.Authentication.AuthenticationException)
        {
            // Not opened now (a refused dial or certificate, a member that stopped): the first call dials the member itself and
            // reports what went wrong, as it would have without this.
        }
    }

    public void Dispose()
    {
        _disposing.Cancel();
        ImmutableDictionary<EndpointAddress, Member> last;
        lock (this)
        {
            _disposed = true;
            last = Interlocked.Exchange(ref _channels, ImmutableDictionary<EndpointAddress, Member>.Empty);
        }

        foreach (var member in last.Values)
        {
            member.Channel.Dispose();
        }

        _disposing.Dispose();
    }

    private Member Add(EndpointAddress address)
    {
        List<Member> gone;
        Member member;
        lock (this)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_channels.TryGetValue(address, out var existing))
            {
                return existing;
            }

            // Members that left the set (member-list sync, SRV refresh, reload) lose their channel when a new one comes:
            // changes are rare, so the set stays small without a sweeper.
            var current = registry.Current;
            gone = [.. _channels.Where(c => current.Find(c.Key) is null).Select(c => c.Value)];
            var (channel, handler) = Create(address);
            member = new Member(channel, channel.CreateCallInvoker().Intercept(new UpstreamCallInterceptor(calls.For(address.ToString()))), handler);
            Volatile.Write(ref _channels, _channels.RemoveRange(_channels.Keys.Where(a => current.Find(a) is null)).SetItem(address, member));
        }

        foreach (var old in gone)
        {
            old.Channel.Dispose();
        }

        return member;
    }

    private (GrpcChannel Channel, SocketsHttpHandler Handler) Create(EndpointAddress address)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,

            // etcd allows many streams per connection, but a proxy multiplexes thousands of watches: more connections
            // rather than calls queued behind a stream limit.
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.DialKeepAliveTime > TimeSpan.Zero ? options.DialKeepAliveTime : Timeout.InfiniteTimeSpan,
            KeepAlivePingTimeout = options.DialKeepAliveTimeout > TimeSpan.Zero ? options.DialKeepAliveTimeout : Timeout.InfiniteTimeSpan,
            KeepAlivePingPolicy = options.PermitWithoutStream ? HttpKeepAlivePingPolicy.Always : HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectCallback = async (_, cancellationToken) =>
            {
                // The registry's current version of the member: its IP addresses may have been resolved again.
                var endpoint = registry.Current.Find(address) ?? new Endpoint(address, []);
                var timeout = dialTimeout();
                var socket = await new EndpointDialer(timeout, time).DialAsync(endpoint, cancellationToken);
                var stream = new NetworkStream(socket, ownsSocket: true);
                return address.Tls ? await tls.AuthenticateAsync(stream, endpoint, timeout, cancellationToken) : stream;
            },
        };

        // Always http:// to the handler: for a TLS member the connection it gets is already TLS (checked by our validator,
        // which can say why a certificate was refused), and HTTP/2 goes over it with prior knowledge, as ALPN agreed.
        return (GrpcChannel.ForAddress($"http://{address}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxSendMessageSize = options.MaxSendBytes,
            MaxReceiveMessageSize = options.MaxRecvBytes,

            // Retries are ours (ClusterCallInvoker), across members, not the channel's to one member.
            MaxRetryAttempts = 0,
        }), handler);
    }

    /// <summary>
    /// A member's channel, the invoker made from it once (an invoker per call would be garbage per call) and the channel's
    /// HTTP handler, whose connection pool the start-up connection goes into.
    /// </summary>
    private sealed record Member(GrpcChannel Channel, CallInvoker Invoker, SocketsHttpHandler Handler);
}
