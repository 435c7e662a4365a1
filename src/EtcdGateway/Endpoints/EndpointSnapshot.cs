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

        // Healthy-or-panic: with nothing in rotation, route to what is recovering (passed a probe, not yet enough of them),
        // else to what still answers, else to what still accepts TCP, rather than refuse everyone (a cluster without
        // quorum still serves serializable reads).
        Routable = Available;
        if (Available.Count == 0)
        {
            foreach (var tier in (ReadOnlySpan<EndpointHealth>)[EndpointHealth.Healthy, EndpointHealth.Answering, EndpointHealth.AcceptsTcp])
            {
                var fallback = statuses.Where(s => s.Health == tier).Select(s => s.Endpoint).ToArray();
                if (fallback.Length > 0)
                {
                    Routable = Array.AsReadOnly(fallback);
                    IsPanic = true;
                    break;
                }
            }
        }
    }

    /// <summary>Every endpoint in configured order.</summary>
    public ImmutableArray<EndpointStatus> Statuses { get; }

    /// <summary>Endpoints in rotation, in configured order.</summary>
    public IReadOnlyList<Endpoint> Available { get; }

    /// <summary>Endpoints out of rotation, in configured order.</summary>
    public IReadOnlyList<Endpoint> Unavailable { get; }

    /// <summary>Where new connections go: <see cref="Available"/>, or in panic mode the best fallback tier (precomputed: read on every connection).</summary>
    public IReadOnlyList<Endpoint> Routable { get; }

    /// <summary>Nothing is in rotation and <see cref="Routable"/> holds endpoints that failed their probe but still respond.</summary>
    public bool IsPanic { get; }

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

    /// <summary>The endpoint configured at this address, or null.</summary>
    public Endpoint? Find(EndpointAddress address)
    {
        foreach (var status in Statuses)
        {
            if (status.Endpoint.Address == address)
            {
                return status.Endpoint;
            }
        }

        return null;
    }
}
