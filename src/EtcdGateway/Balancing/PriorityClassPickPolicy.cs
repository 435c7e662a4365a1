using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>
/// RFC 2782's first rule: only the candidates with the lowest priority value are used; <paramref name="withinClass"/>
/// chooses among them. The candidates are the endpoints in rotation, so when every endpoint of the best class is out
/// (down, hung, failing its probe), the next class takes over without further bookkeeping.
/// </summary>
internal sealed class PriorityClassPickPolicy(IPickPolicy withinClass) : IPickPolicy
{
    public IPickPolicy WithinClass => withinClass;

    public Endpoint Pick(IReadOnlyList<Endpoint> candidates)
    {
        var best = int.MaxValue;
        var allAlike = true;
        foreach (var candidate in candidates)
        {
            allAlike &= best == int.MaxValue || candidate.Rank.Priority == best;
            best = Math.Min(best, candidate.Rank.Priority);
        }

        // The common case (one class) allocates nothing.
        return withinClass.Pick(allAlike ? candidates : [.. candidates.Where(c => c.Rank.Priority == best)]);
    }
}
