using System.Collections.Immutable;
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
    private ImmutableDictionary<EndpointAddress, Member> _channels = ImmutableDictionary<EndpointAddress, Member>.Empty;
    private bool _disposed;

    /// <summary>The invoker for calls to <paramref name="endpoint"/>.</summary>
    public CallInvoker For(Endpoint endpoint)
    {
        var channels = Volatile.Read(ref _channels);
        return (channels.TryGetValue(endpoint.Address, out var member) ? member : Add(endpoint.Address)).Invoker;
    }

    public void Dispose()
    {
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
            var channel = Create(address);
            member = new Member(channel, channel.CreateCallInvoker().Intercept(new UpstreamCallInterceptor(calls.For(address.ToString()))));
            Volatile.Write(ref _channels, _channels.RemoveRange(_channels.Keys.Where(a => current.Find(a) is null)).SetItem(address, member));
        }

        foreach (var old in gone)
        {
            old.Channel.Dispose();
        }

        return member;
    }

    private GrpcChannel Create(EndpointAddress address)
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
        return GrpcChannel.ForAddress($"http://{address}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxSendMessageSize = options.MaxSendBytes,
            MaxReceiveMessageSize = options.MaxRecvBytes,

            // Retries are ours (ClusterCallInvoker), across members, not the channel's to one member.
            MaxRetryAttempts = 0,
        });
    }

    /// <summary>A member's channel and the invoker made from it once (an invoker per call would be garbage per call).</summary>
    private sealed record Member(GrpcChannel Channel, CallInvoker Invoker);
}
