using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>Hands out the candidates in their configured order, one after another (etcd's gateway's order for static endpoints).</summary>
internal sealed class RoundRobinPickPolicy : IPickPolicy
{
    private long _next = -1;

    public Endpoint Pick(IReadOnlyList<Endpoint> candidates)
    {
        var turn = (ulong)Interlocked.Increment(ref _next);
        return candidates[(int)(turn % (ulong)candidates.Count)];
    }
}
