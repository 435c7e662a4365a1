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
    public void SetEndpoints_KeepsKnownEndpointsWithTheirState_AddsNew_DropsGone()
    {
        Endpoint[] first = [Make(1), Make(2)];
        var registry = new EndpointRegistry(first, TimeProvider.System);
        registry.MarkUnavailable(first[1], "down");
        first[1].Stats.ConnectionOpened();

        var change = registry.SetEndpoints([Make(2), Make(3)]);

        Assert.Equal([3], change.Added.Select(e => e.Address.Port));
        Assert.Equal([1], change.Removed.Select(e => e.Address.Port));
        var statuses = registry.Current.Statuses;
        Assert.Same(first[1], statuses[0].Endpoint);
        Assert.False(statuses[0].IsAvailable);
        Assert.Equal(1, statuses[0].Endpoint.Stats.Active);
        Assert.True(statuses[1].IsAvailable);
    }

    [Fact]
    public void SetEndpoints_WithTheSameSet_ChangesNothing()
    {
        Endpoint[] endpoints = [Make(1), Make(2)];
        var registry = new EndpointRegistry(endpoints, TimeProvider.System);
        var before = registry.Current;
        Assert.True(registry.SetEndpoints([Make(1), Make(2)]).IsEmpty);
        Assert.Same(before, registry.Current);
    }

    [Fact]
    public void SetEndpoints_WithNewAddressesForAKnownName_KeepsItsCounters()
    {
        var endpoint = Make(1);
        endpoint.Stats.ConnectionOpened();
        var registry = new EndpointRegistry([endpoint], TimeProvider.System);
        registry.SetEndpoints([endpoint with { IPAddresses = [IPAddress.Parse("127.0.0.2")], Stats = new EndpointStats() }]);
        Assert.Equal(1, registry.Current.Statuses[0].Endpoint.Stats.Active);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), registry.Current.Statuses[0].Endpoint.IPAddresses[0]);
    }

    [Fact]
    public void SetHealth_PublishesOnlyOnChange()
    {
        var endpoint = Make(1);
        var registry = new EndpointRegistry([endpoint], TimeProvider.System);
        Assert.True(registry.SetHealth(endpoint, EndpointHealth.Healthy));
        var steady = registry.Current;
        Assert.False(registry.SetHealth(endpoint, EndpointHealth.Healthy));
        Assert.Same(steady, registry.Current);
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
