using System.Net;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Upstream;

namespace EtcdGateway.Tests.Grpc.Upstream;

/// <summary>A client's long-lived stream as the tracker and the pick policies see it.</summary>
public sealed class RelayedStreamTests
{
    private readonly Endpoint _first = new(new EndpointAddress("127.0.0.1", 2379), [IPAddress.Loopback]);
    private readonly Endpoint _second = new(new EndpointAddress("127.0.0.1", 2380), [IPAddress.Loopback]);

    [Fact]
    public void A_Stream_Counts_On_Its_Member_Moves_With_It_And_Leaves_When_Done()
    {
        var stream = new RelayedStream(CancellationToken.None, CancellationToken.None);
        stream.StartMemberCall(_first);
        Assert.Equal((1, 0), (_first.Stats.Active, _second.Stats.Active));

        stream.StartMemberCall(_second);
        Assert.Equal((0, 1), (_first.Stats.Active, _second.Stats.Active));
        Assert.Same(_second, stream.Endpoint);

        stream.Dispose();
        stream.Dispose();
        Assert.Equal((0, 0), (_first.Stats.Active, _second.Stats.Active));
    }

    [Fact]
    public void Abort_Ends_Only_The_Current_Member_Call()
    {
        var stream = new RelayedStream(CancellationToken.None, CancellationToken.None);
        var first = stream.StartMemberCall(_first);
        stream.Abort();
        Assert.True(first.IsCancellationRequested);
        Assert.True(stream.CurrentCallEnded);

        var second = stream.StartMemberCall(_second);
        Assert.False(second.IsCancellationRequested);
        Assert.False(stream.CurrentCallEnded);
        stream.Dispose();
    }

    [Fact]
    public void A_Stream_Knows_When_The_Proxy_Is_Stopping()
    {
        using var stopping = new CancellationTokenSource();
        var stream = new RelayedStream(CancellationToken.None, stopping.Token);
        Assert.False(stream.ProxyStopping);
        stopping.Cancel();
        Assert.True(stream.ProxyStopping);
        stream.Dispose();
    }
}
