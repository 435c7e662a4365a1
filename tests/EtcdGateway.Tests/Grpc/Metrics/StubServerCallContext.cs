using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Metrics;

/// <summary>A server call context with only a deadline and a cancellation token, for what the interceptor decides from them.</summary>
internal sealed class StubServerCallContext(DateTime deadline, CancellationToken cancellationToken) : ServerCallContext
{
    protected override string MethodCore => "/etcdserverpb.KV/Range";

    protected override string HostCore => "localhost";

    protected override string PeerCore => "ipv4:127.0.0.1:1";

    protected override DateTime DeadlineCore => deadline;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => cancellationToken;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
