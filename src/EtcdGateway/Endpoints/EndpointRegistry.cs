namespace EtcdGateway.Endpoints;

/// <summary>
/// Holds the current <see cref="EndpointSnapshot"/> and swaps it atomically when an endpoint leaves or rejoins rotation.
/// Readers never lock; writers retry a compare-and-swap, which is cheap because state changes are rare.
/// </summary>
internal sealed class EndpointRegistry
{
    private readonly TimeProvider _time;
    private EndpointSnapshot _current;

    public EndpointRegistry(IEnumerable<Endpoint> endpoints, TimeProvider time)
    {
        _time = time;
        var now = time.GetUtcNow();
        _current = new EndpointSnapshot([.. endpoints.Select(e => new EndpointStatus(e, true, now, null))]);
    }

    public EndpointSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Takes the endpoint out of rotation. Returns true only for the caller that changed its state, so it is logged once.</summary>
    public bool MarkUnavailable(Endpoint endpoint, string error) => SetAvailability(endpoint, false, error);

    /// <summary>Puts the endpoint back in rotation. Returns true only for the caller that changed its state.</summary>
    public bool MarkAvailable(Endpoint endpoint) => SetAvailability(endpoint, true, null);

    /// <summary>Swaps in a new version of an endpoint (e.g. with fresh IP addresses), keeping its state. False if it is gone.</summary>
    public bool Replace(Endpoint current, Endpoint replacement)
    {
        while (true)
        {
            var snapshot = Current;
            var index = snapshot.IndexOf(current);
            if (index < 0)
            {
                return false;
            }

            var next = new EndpointSnapshot(snapshot.Statuses.SetItem(index, snapshot.Statuses[index] with { Endpoint = replacement }));
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, snapshot), snapshot))
            {
                return true;
            }
        }
    }

    private bool SetAvailability(Endpoint endpoint, bool available, string? error)
    {
        while (true)
        {
            var snapshot = Current;
            var index = snapshot.IndexOf(endpoint);
            if (index < 0 || snapshot.Statuses[index].IsAvailable == available)
            {
                return false;
            }

            var old = snapshot.Statuses[index];
            var updated = old with { IsAvailable = available, Since = _time.GetUtcNow(), LastError = error ?? old.LastError };
            var next = new EndpointSnapshot(snapshot.Statuses.SetItem(index, updated));
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, snapshot), snapshot))
            {
                return true;
            }
        }
    }
}
