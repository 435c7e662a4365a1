using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>
/// Picks two distinct candidates at random and takes the one with fewer open connections: nearly as even as
/// least-connections, without every gateway herding onto the same momentarily idle member.
/// </summary>
internal sealed class PowerOfTwoChoicesPickPolicy(Random random) : IPickPolicy
{
    public Endpoint Pick(IReadOnlyList<Endpoint> candidates)
    {
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var first = random.Next(candidates.Count);
        var second = random.Next(candidates.Count - 1);
        if (second >= first)
        {
            second++;
        }

        var a = candidates[first];
        var b = candidates[second];
        return b.Stats.Active < a.Stats.Active ? b : a;
    }
}
