using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// The call context of a stream the proxy opens to the cluster on its own behalf (one keep-alive stream shared by many
/// clients), so that <see cref="MovableStreamRelay{TRequest, TResponse}"/> can relay and move it as it does a client's:
/// the metadata sent to the member (<paramref name="headers"/>: the credentials the stream's clients share), no deadline,
/// and the token that ends it.
/// </summary>
internal sealed class ProxyCallContext(string method, Metadata headers, CancellationToken ended) : ServerCallContext
{
    private readonly Metadata _trailers = [];

    protected override string MethodCore => method;

    protected override string HostCore => "etcd-gateway";

    protected override string PeerCore => "etcd-gateway";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => headers;

    protected override CancellationToken CancellationTokenCore => ended;

    protected override Metadata ResponseTrailersCore => _trailers;

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("a stream of the proxy's own propagates nothing");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
