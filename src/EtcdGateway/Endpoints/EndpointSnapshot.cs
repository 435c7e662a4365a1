using System.Collections.Immutable;

namespace EtcdGateway.Endpoints;

/// <summary>
/// The whole endpoint set at one moment. Immutable: changes publish a new snapshot, so the accept path
/// reads one reference and never takes a lock.
/// </summary>
internal sealed class EndpointSnapshot
{
    public EndpointSnapshot(ImmutableArray<EndpointStatus> statuses)
    {
        Statuses = statuses;
        Available = Array.AsReadOnly(statuses.Where(s => s.IsAvailable).Select(s => s.Endpoint).ToArray());
        Unavailable = Array.AsReadOnly(statuses.Where(s => !s.IsAvailable).Select(s => s.Endpoint).ToArray());
    }

    /// <summary>Every endpoint in configured order.</summary>
    public ImmutableArray<EndpointStatus> Statuses { get; }

    /// <summary>Endpoints in rotation, in configured order (precomputed: the pick reads it on every connection).</summary>
    public IReadOnlyList<Endpoint> Available { get; }

    /// <summary>Endpoints out of rotation, in configured order.</summary>
    public IReadOnlyList<Endpoint> Unavailable { get; }

    /// <summary>The endpoint's position in <see cref="Statuses"/>, or -1 when it is not in this snapshot.</summary>
    public int IndexOf(Endpoint endpoint)
    {
        for (var i = 0; i < Statuses.Length; i++)
        {
            if (ReferenceEquals(Statuses[i].Endpoint, endpoint))
            {
                return i;
            }
        }

        return -1;
    }
}
