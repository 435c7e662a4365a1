using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>Picks a candidate uniformly at random; the source of randomness is injected so tests can fix it.</summary>
internal sealed class RandomPickPolicy(Random random) : IPickPolicy
{
    public Endpoint Pick(IReadOnlyList<Endpoint> candidates) => candidates[random.Next(candidates.Count)];
}
