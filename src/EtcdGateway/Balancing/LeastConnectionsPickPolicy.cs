using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>
/// Picks the candidate with the fewest open connections. Ties are broken by a rotating start, so equally loaded
/// endpoints share new connections round-robin instead of all going to the first.
/// </summary>
internal sealed class LeastConnectionsPickPolicy : IPickPolicy
{
    private long _start = -1;

    public Endpoint Pick(IReadOnlyList<Endpoint> candidates)
    {
        var count = candidates.Count;
        var start = (int)((ulong)Interlocked.Increment(ref _start) % (ulong)count);
        var best = candidates[start];
        for (var i = 1; i < count; i++)
        {
            var candidate = candidates[(start + i) % count];
            if (candidate.Stats.Active < best.Stats.Active)
            {
                best = candidate;
            }
        }

        return best;
    }
}
