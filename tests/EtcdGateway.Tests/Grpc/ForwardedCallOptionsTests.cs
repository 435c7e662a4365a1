using EtcdGateway.Grpc.Forwarding;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc;

/// <summary>What a client's call carries to the member: its metadata (not the connection's), deadline and cancellation.</summary>
public class ForwardedCallOptionsTests
{
    [Fact]
    public void Client_Metadata_Goes_On_Transport_Headers_Do_Not()
    {
        using var gone = new CancellationTokenSource();
        var deadline = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var context = new FakeServerCallContext(
            new Metadata
            {
                { "token", "abc.def" },
                { "hasleader", "true" },
                { "authorization", "Bearer x" },
                { "trace-bin", new byte[] { 1, 2, 3 } },
                { "user-agent", "grpc-go/1.26" },
                { "te", "trailers" },
                { "content-type", "application/grpc" },
                { "grpc-accept-encoding", "gzip" },
                { "grpc-timeout", "5S" },
            },
            deadline,
            gone.Token);

        var options = ForwardedCallOptions.From(context);

        Assert.Equal(["token", "hasleader", "authorization", "trace-bin"], options.Headers!.Select(e => e.Key));
        Assert.Equal([1, 2, 3], options.Headers!.GetValueBytes("trace-bin"));
        Assert.Equal(deadline, options.Deadline);
        Assert.Equal(gone.Token, options.CancellationToken);
    }

    private sealed class FakeServerCallContext(Metadata headers, DateTime deadline, CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => "/etcdserverpb.KV/Range";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => deadline;

        protected override Metadata RequestHeadersCore => headers;

        protected override CancellationToken CancellationTokenCore => token;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
