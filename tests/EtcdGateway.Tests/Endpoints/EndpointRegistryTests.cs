using System.Net;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

public class EndpointRegistryTests
{
    private static Endpoint Make(int port) => new(new EndpointAddress("127.0.0.1", port), [IPAddress.Loopback]);

    [Fact]
    public void StartsWithEveryEndpointAvailable_InConfiguredOrder()
    {
        Endpoint[] endpoints = [Make(3), Make(1), Make(2)];
        var registry = new EndpointRegistry(endpoints, TimeProvider.System);
        Assert.Equal(endpoints, registry.Current.Available);
        Assert.Empty(registry.Current.Unavailable);
    }

    [Fact]
    public void MarkUnavailable_PublishesANewSnapshot_AndLeavesTheOldOneUntouched()
    {
        Endpoint[] endpoints = [Make(1), Make(2)];
        var time = new ManualTimeProvider();
        var registry = new EndpointRegistry(endpoints, time);
        var before = registry.Current;
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(registry.MarkUnavailable(endpoints[0], "refused"));

        var after = registry.Current;
        Assert.NotSame(before, after);
        Assert.Equal(endpoints, before.Available);
        Assert.Equal([endpoints[1]], after.Available);
        Assert.Equal([endpoints[0]], after.Unavailable);
        var status = after.Statuses[0];
        Assert.False(status.IsAvailable);
        Assert.Equal("refused", status.LastError);
        Assert.Equal(time.GetUtcNow(), status.Since);
    }

    [Fact]
    public void StateChange_IsReportedOnlyToTheCallerThatMadeIt()
    {
        var endpoint = Make(1);
        var registry = new EndpointRegistry([endpoint], TimeProvider.System);
        Assert.True(registry.MarkUnavailable(endpoint, "x"));
        Assert.False(registry.MarkUnavailable(endpoint, "y"));
        Assert.True(registry.MarkAvailable(endpoint));
        Assert.False(registry.MarkAvailable(endpoint));
    }

    [Fact]
    public void UnknownEndpoint_IsIgnored()
    {
        var registry = new EndpointRegistry([Make(1)], TimeProvider.System);
        Assert.False(registry.MarkUnavailable(Make(1), "a different instance with the same address"));
        Assert.Single(registry.Current.Available);
    }

    [Fact]
    public void Replace_SwapsTheEndpoint_AndKeepsItsState()
    {
        var endpoint = Make(1);
        var registry = new EndpointRegistry([endpoint, Make(2)], TimeProvider.System);
        registry.MarkUnavailable(endpoint, "down");
        var moved = endpoint with { IPAddresses = [IPAddress.Parse("127.0.0.9")] };

        Assert.True(registry.Replace(endpoint, moved));

        var status = registry.Current.Statuses[0];
        Assert.Same(moved, status.Endpoint);
        Assert.False(status.IsAvailable);
        Assert.Equal("down", status.LastError);
        Assert.False(registry.Replace(endpoint, moved));
    }

    [Fact]
    public async Task ConcurrentChanges_AreNeverLost()
    {
        var endpoints = Enumerable.Range(1, 64).Select(Make).ToArray();
        var registry = new EndpointRegistry(endpoints, TimeProvider.System);
        await Task.WhenAll(endpoints.Select(e => Task.Run(() => registry.MarkUnavailable(e, "down"))));
        Assert.Empty(registry.Current.Available);
        Assert.Equal(64, registry.Current.Unavailable.Count);
    }
}
