using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Upstream;

namespace EtcdGateway.Tests.Grpc;

/// <summary>A forwarded call counts on the member it is on, so the load-aware pick policies see the proxy's calls.</summary>
public sealed class TrackedCallTests
{
    private readonly Endpoint _first = new(new EndpointAddress("127.0.0.1", 2379), [IPAddress.Loopback]);
    private readonly Endpoint _second = new(new EndpointAddress("127.0.0.1", 2380), [IPAddress.Loopback]);

    [Fact]
    public void A_Call_Counts_On_Its_Member_Moves_With_It_And_Leaves_When_Done()
    {
        var call = new TrackedCall(CancellationToken.None);
        call.Endpoint = _first;
        Assert.Equal((1, 0), (_first.Stats.Active, _second.Stats.Active));

        call.Endpoint = _second;
        Assert.Equal((0, 1), (_first.Stats.Active, _second.Stats.Active));

        call.Dispose();
        call.Dispose();
        Assert.Equal((0, 0), (_first.Stats.Active, _second.Stats.Active));
    }

    [Fact]
    public void Least_Connections_Picks_The_Member_Holding_Fewer_Calls()
    {
        var busy = new TrackedCall(CancellationToken.None) { Endpoint = _first };
        var policy = new LeastConnectionsPickPolicy();

        Assert.Same(_second, policy.Pick([_first, _second]));
        busy.Dispose();
    }
}
