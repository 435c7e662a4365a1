using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Balancing;

public class PickPolicyTests
{
    private static readonly Endpoint[] Three =
        [.. new[] { 12379, 22379, 32379 }.Select(p => new Endpoint(new EndpointAddress("127.0.0.1", p), [IPAddress.Loopback]))];

    [Fact]
    public void RoundRobin_GoesThroughTheCandidatesInOrder()
    {
        var policy = new RoundRobinPickPolicy();
        var picks = Enumerable.Range(0, 7).Select(_ => policy.Pick(Three).Address.Port);
        Assert.Equal([12379, 22379, 32379, 12379, 22379, 32379, 12379], picks);
    }

    [Fact]
    public void RoundRobin_SharesEvenly_WhenTheCandidateListShrinks()
    {
        var policy = new RoundRobinPickPolicy();
        var counts = new Dictionary<int, int>();
        for (var i = 0; i < 100; i++)
        {
            var port = policy.Pick(Three[..2]).Address.Port;
            counts[port] = counts.GetValueOrDefault(port) + 1;
        }

        Assert.Equal(50, counts[12379]);
        Assert.Equal(50, counts[22379]);
    }

    [Fact]
    public void Random_UsesTheInjectedSource_AndReachesEveryCandidate()
    {
        var first = new RandomPickPolicy(new Random(42));
        var second = new RandomPickPolicy(new Random(42));
        var a = Enumerable.Range(0, 300).Select(_ => first.Pick(Three)).ToList();
        var b = Enumerable.Range(0, 300).Select(_ => second.Pick(Three)).ToList();
        Assert.Equal(a, b);
        Assert.All(Three, e => Assert.InRange(a.Count(x => x == e), 60, 140));
    }

    [Theory]
    [InlineData("round-robin", typeof(RoundRobinPickPolicy))]
    [InlineData("random", typeof(RandomPickPolicy))]
    [InlineData("least-connections", typeof(LeastConnectionsPickPolicy))]
    [InlineData("power-of-two-choices", typeof(PowerOfTwoChoicesPickPolicy))]
    [InlineData("weighted", typeof(WeightedRandomPickPolicy))]
    public void Factory_MapsFlagNames_EveryPolicyPicksWithinTheBestPriorityClass(string name, Type expected)
    {
        var kind = PickPolicyFactory.Names[name];
        var policy = Assert.IsType<PriorityClassPickPolicy>(PickPolicyFactory.Create(kind, new Random(1)));
        Assert.IsType(expected, policy.WithinClass);
        Assert.Equal(name, PickPolicyFactory.NameOf(kind));
    }
}
