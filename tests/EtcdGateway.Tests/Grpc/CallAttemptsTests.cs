using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Logging;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc;

/// <summary>Which member a call tries next, and what each failure means for the call and for the member.</summary>
public sealed class CallAttemptsTests : IDisposable
{
    private static readonly RpcException Refused = new(new Status(StatusCode.Unavailable, "Error starting gRPC call",
        new HttpRequestException("refused", new DialException("dial tcp: connection refused", DialFault.Endpoint))));

    private static readonly RpcException LeaderChanged = new(new Status(StatusCode.Unavailable, "etcdserver: leader changed"));

    private readonly JsonLogger _logger = new(Stream.Null, LogLevel.Error, TimeProvider.System);
    private readonly EndpointRegistry _registry;
    private readonly EndpointPicker _picker;

    public CallAttemptsTests()
    {
        _registry = new EndpointRegistry(
            Enumerable.Range(0, 3).Select(i => new Endpoint(new EndpointAddress("127.0.0.1", 2379 + i), [IPAddress.Loopback])), TimeProvider.System);
        _picker = new EndpointPicker(_registry, new RoundRobinPickPolicy(), _logger, () => TimeSpan.FromMinutes(1), TimeProvider.System);
    }

    public void Dispose() => _logger.Dispose();

    [Fact]
    public void A_Refused_Member_Leaves_Rotation_And_The_Call_Goes_On()
    {
        using var call = new TrackedCall(CancellationToken.None);
        var attempts = new CallAttempts(_picker, "/etcdserverpb.KV/Put", call);
        var first = attempts.Next();
        Assert.Same(first, call.Endpoint);

        Assert.Null(attempts.AfterFailure(first, Refused, mayRepeat: false));
        Assert.DoesNotContain(first, _registry.Current.Available);
        var second = attempts.Next();
        Assert.NotSame(first, second);
        Assert.Same(second, call.Endpoint);
    }

    [Fact]
    public void A_Write_That_Reached_Its_Member_Is_Never_Repeated()
    {
        using var call = new TrackedCall(CancellationToken.None);
        var attempts = new CallAttempts(_picker, "/etcdserverpb.KV/Put", call);
        var first = attempts.Next();
        Assert.Same(LeaderChanged, attempts.AfterFailure(first, LeaderChanged, mayRepeat: false));
        Assert.Contains(first, _registry.Current.Available);
    }

    [Fact]
    public void A_Repeatable_Call_Tries_Every_Member_Once_Then_Gives_The_Last_Answer()
    {
        using var call = new TrackedCall(CancellationToken.None);
        var attempts = new CallAttempts(_picker, "/etcdserverpb.KV/Range", call);
        var tried = new HashSet<Endpoint>();
        for (var i = 0; i < 3; i++)
        {
            var endpoint = attempts.Next();
            Assert.True(tried.Add(endpoint), "a member was tried twice");
            Assert.Null(attempts.AfterFailure(endpoint, LeaderChanged, mayRepeat: true));
        }

        // Skipped, not judged: every member is still in rotation for other calls, and the client gets etcd's answer.
        Assert.Equal(3, _registry.Current.Available.Count);
        Assert.Same(LeaderChanged, Assert.Throws<RpcException>(() => attempts.Next()));
    }

    [Fact]
    public void A_Call_Ended_By_The_Proxy_Is_Unavailable_Not_Cancelled()
    {
        using var call = new TrackedCall(CancellationToken.None);
        var attempts = new CallAttempts(_picker, "/etcdserverpb.Watch/Watch", call);
        var endpoint = attempts.Next();
        call.Abort();
        Assert.True(call.Token.IsCancellationRequested);

        var cancelled = new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
        var error = attempts.AfterFailure(endpoint, cancelled, mayRepeat: true);
        Assert.Equal(StatusCode.Unavailable, error!.StatusCode);
        Assert.Contains(endpoint.Name, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, attempts.Final(cancelled).StatusCode);
    }

    [Fact]
    public void The_Clients_Own_Cancellation_Stays_Cancelled()
    {
        using var client = new CancellationTokenSource();
        using var call = new TrackedCall(client.Token);
        var attempts = new CallAttempts(_picker, "/etcdserverpb.KV/Range", call);
        var endpoint = attempts.Next();
        client.Cancel();
        var cancelled = new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
        Assert.Same(cancelled, attempts.AfterFailure(endpoint, cancelled, mayRepeat: true));
        Assert.False(call.WasAborted);
    }

    [Fact]
    public void No_Member_At_All_Is_Unavailable()
    {
        var empty = new EndpointPicker(new EndpointRegistry([], TimeProvider.System), new RoundRobinPickPolicy(), _logger, () => TimeSpan.FromMinutes(1), TimeProvider.System);
        using var call = new TrackedCall(CancellationToken.None);
        var error = Assert.Throws<RpcException>(() => new CallAttempts(empty, "/etcdserverpb.KV/Range", call).Next());
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public void Abort_After_The_Call_Finished_Is_Harmless()
    {
        var call = new TrackedCall(CancellationToken.None);
        call.Dispose();
        call.Abort();
        Assert.True(call.WasAborted);
    }
}
