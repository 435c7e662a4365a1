using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>
/// RFC 2782's second rule: a random pick in proportion to the SRV weights (weights 3 and 1 get about 3:1 of the
/// connections). A weight of 0 means "only when nothing else will do" but must still get a small share, so weights are
/// scaled by <see cref="Scale"/> and a zero counts as 1: one in a hundred of a weight-1 peer's share. When every weight is
/// zero they share alike. Static endpoints all weigh the same, so this is a uniform random pick for them.
/// </summary>
internal sealed class WeightedRandomPickPolicy(Random random) : IPickPolicy
{
    public const int Scale = 100;

    public Endpoint Pick(IReadOnlyList<Endpoint> candidates)
    {
        long total = 0;
        foreach (var candidate in candidates)
        {
            total += EffectiveWeight(candidate);
        }

        var ticket = random.NextInt64(total);
        foreach (var candidate in candidates)
        {
            ticket -= EffectiveWeight(candidate);
            if (ticket < 0)
            {
                return candidate;
            }
        }

        return candidates[^1];
    }

    /// <summary>The endpoint's share of the draw: its weight scaled, with at least 1 so a zero weight is not starved.</summary>
    public static long EffectiveWeight(Endpoint endpoint) => Math.Max(1L, (long)endpoint.Rank.Weight * Scale);
}
