using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Balancing;

/// <summary>RFC 2782 selection: lowest priority value first, then a draw in proportion to weight.</summary>
public class SrvPickPolicyTests
{
    private static Endpoint Srv(int port, int priority, int weight) =>
        new(new EndpointAddress("127.0.0.1", port), [IPAddress.Loopback]) { Rank = new SrvRank(priority, weight) };

    private static Dictionary<int, int> Draw(IPickPolicy policy, IReadOnlyList<Endpoint> candidates, int times)
    {
        var counts = candidates.ToDictionary(c => c.Address.Port, _ => 0);
        for (var i = 0; i < times; i++)
        {
            counts[policy.Pick(candidates).Address.Port]++;
        }

        return counts;
    }

    [Fact]
    public void Weights_3_And_1_Share_About_3_To_1()
    {
        var counts = Draw(new WeightedRandomPickPolicy(new Random(7)), [Srv(1, 10, 3), Srv(2, 10, 1)], 40_000);
        Assert.InRange(counts[1] / (double)counts[2], 2.8, 3.2);
    }

    [Fact]
    public void Weights_1_And_1_Share_Evenly()
    {
        var counts = Draw(new WeightedRandomPickPolicy(new Random(7)), [Srv(1, 10, 1), Srv(2, 10, 1)], 40_000);
        Assert.InRange(counts[1] / (double)counts[2], 0.93, 1.07);
    }

    [Fact]
    public void Weight_0_Gets_A_Small_Share_Not_None()
    {
        var counts = Draw(new WeightedRandomPickPolicy(new Random(7)), [Srv(1, 10, 1), Srv(2, 10, 0)], 100_000);
        Assert.InRange(counts[2], 500, 1_500);
    }

    [Fact]
    public void All_Weights_0_Share_Evenly()
    {
        var counts = Draw(new WeightedRandomPickPolicy(new Random(7)), [Srv(1, 10, 0), Srv(2, 10, 0), Srv(3, 10, 0)], 30_000);
        Assert.All(counts.Values, c => Assert.InRange(c, 9_000, 11_000));
    }

    [Fact]
    public void The_Draw_Uses_The_Injected_Randomness()
    {
        Endpoint[] candidates = [Srv(1, 10, 5), Srv(2, 10, 2), Srv(3, 10, 1)];
        var first = new WeightedRandomPickPolicy(new Random(42));
        var second = new WeightedRandomPickPolicy(new Random(42));
        Assert.Equal(
            Enumerable.Range(0, 200).Select(_ => first.Pick(candidates).Address.Port),
            Enumerable.Range(0, 200).Select(_ => second.Pick(candidates).Address.Port));
    }

    [Fact]
    public void Only_The_Lowest_Priority_Value_Is_Used_While_It_Has_Candidates()
    {
        var policy = new PriorityClassPickPolicy(new WeightedRandomPickPolicy(new Random(7)));
        var counts = Draw(policy, [Srv(1, 20, 100), Srv(2, 10, 1), Srv(3, 10, 1), Srv(4, 30, 100)], 1_000);
        Assert.Equal(0, counts[1]);
        Assert.Equal(0, counts[4]);
        Assert.Equal(1_000, counts[2] + counts[3]);
    }

    [Fact]
    public void The_Next_Class_Takes_Over_When_The_Best_Class_Has_No_Candidates()
    {
        // The candidates are the endpoints in rotation: the priority-10 members are out, so 20 is now the best class.
        var policy = new PriorityClassPickPolicy(new WeightedRandomPickPolicy(new Random(7)));
        var counts = Draw(policy, [Srv(1, 20, 3), Srv(2, 30, 1), Srv(3, 20, 1)], 8_000);
        Assert.Equal(0, counts[2]);
        Assert.InRange(counts[1] / (double)counts[3], 2.6, 3.4);
    }

    [Fact]
    public void Static_Endpoints_Are_One_Class_So_Round_Robin_Is_Unchanged()
    {
        var policy = PickPolicyFactory.Create(PickPolicyKind.RoundRobin, new Random(1));
        Endpoint[] three = [.. new[] { 1, 2, 3 }.Select(p => new Endpoint(new EndpointAddress("127.0.0.1", p), [IPAddress.Loopback]))];
        Assert.Equal([1, 2, 3, 1, 2, 3], Enumerable.Range(0, 6).Select(_ => policy.Pick(three).Address.Port));
    }

    [Fact]
    public void Round_Robin_Within_The_Best_Class_Ignores_Weights()
    {
        var policy = PickPolicyFactory.Create(PickPolicyKind.RoundRobin, new Random(1));
        var counts = Draw(policy, [Srv(1, 10, 3), Srv(2, 10, 1), Srv(3, 20, 1)], 1_000);
        Assert.Equal(500, counts[1]);
        Assert.Equal(500, counts[2]);
        Assert.Equal(0, counts[3]);
    }
}
