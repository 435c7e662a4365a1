using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Balancing;

public class LoadAwarePickPolicyTests
{
    private static Endpoint[] WithActive(params int[] active) =>
        [.. active.Select((count, i) =>
        {
            var endpoint = new Endpoint(new EndpointAddress("127.0.0.1", 1000 + i), [IPAddress.Loopback]);
            for (var c = 0; c < count; c++)
            {
                endpoint.Stats.ConnectionOpened();
            }

            return endpoint;
        })];

    [Fact]
    public void LeastConnections_PicksTheLeastLoaded()
    {
        var endpoints = WithActive(5, 1, 3);
        var policy = new LeastConnectionsPickPolicy();
        Assert.All(Enumerable.Range(0, 10), _ => Assert.Same(endpoints[1], policy.Pick(endpoints)));
    }

    [Fact]
    public void LeastConnections_SharesTiesInTurn()
    {
        var endpoints = WithActive(2, 2, 2);
        var policy = new LeastConnectionsPickPolicy();
        var picks = Enumerable.Range(0, 6).Select(_ => policy.Pick(endpoints)).ToList();
        Assert.All(endpoints, e => Assert.Equal(2, picks.Count(p => p == e)));
    }

    [Fact]
    public void LeastConnections_FollowsConnectionsAsTheyOpenAndClose()
    {
        var endpoints = WithActive(0, 0);
        var policy = new LeastConnectionsPickPolicy();
        for (var i = 0; i < 10; i++)
        {
            policy.Pick(endpoints).Stats.ConnectionOpened();
        }

        Assert.Equal(5, endpoints[0].Stats.Active);
        Assert.Equal(5, endpoints[1].Stats.Active);
        endpoints[0].Stats.ConnectionClosed();
        Assert.Same(endpoints[0], policy.Pick(endpoints));
    }

    [Fact]
    public void PowerOfTwoChoices_NeverPicksTheMostLoaded_OfThree()
    {
        var endpoints = WithActive(0, 10, 100);
        var policy = new PowerOfTwoChoicesPickPolicy(new Random(7));
        var picks = Enumerable.Range(0, 300).Select(_ => policy.Pick(endpoints)).ToList();
        Assert.DoesNotContain(endpoints[2], picks);
        Assert.InRange(picks.Count(p => p == endpoints[0]), 150, 250); // chosen whenever it is one of the two: 2/3 of the time
    }

    [Fact]
    public void PowerOfTwoChoices_WithOneCandidate_ReturnsIt()
    {
        var endpoints = WithActive(3);
        Assert.Same(endpoints[0], new PowerOfTwoChoicesPickPolicy(new Random(1)).Pick(endpoints));
    }

    [Fact]
    public void PowerOfTwoChoices_SpreadsEqualLoad()
    {
        var endpoints = WithActive(0, 0, 0);
        var policy = new PowerOfTwoChoicesPickPolicy(new Random(3));
        var picks = Enumerable.Range(0, 300).Select(_ => policy.Pick(endpoints)).ToList();
        Assert.All(endpoints, e => Assert.InRange(picks.Count(p => p == e), 60, 140));
    }
}
