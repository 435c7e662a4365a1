namespace EtcdGateway.Endpoints;

/// <summary>
/// Holds the current <see cref="EndpointSnapshot"/> and swaps it atomically when an endpoint leaves or rejoins rotation,
/// its health changes, or the set itself changes. Readers never lock; writers retry a compare-and-swap, which is cheap
/// because changes are rare next to reads.
/// </summary>
internal sealed class EndpointRegistry
{
    private readonly TimeProvider _time;
    private EndpointSnapshot _current;

    public EndpointRegistry(IEnumerable<Endpoint> endpoints, TimeProvider time, string source = "flag")
    {
        _time = time;
        var now = time.GetUtcNow();
        _current = new EndpointSnapshot([.. endpoints.Select(e => new EndpointStatus(e, true, now, null) { Source = source })]);
    }

    public EndpointSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Takes the endpoint out of rotation. Returns true only for the caller that changed its state, so it is logged once.</summary>
    public bool MarkUnavailable(Endpoint endpoint, string error) =>
        Update(endpoint, s => s.IsAvailable ? s with { IsAvailable = false, Since = _time.GetUtcNow(), LastError = error } : null);

    /// <summary>Puts the endpoint back in rotation. Returns true only for the caller that changed its state.</summary>
    public bool MarkAvailable(Endpoint endpoint) =>
        Update(endpoint, s => s.IsAvailable ? null : s with { IsAvailable = true, Since = _time.GetUtcNow() });

    /// <summary>Records what the health probe said (publishes only on change, so a steady state makes no garbage).</summary>
    public bool SetHealth(Endpoint endpoint, EndpointHealth health) =>
        Update(endpoint, s => s.Health == health ? null : s with { Health = health });

    /// <summary>Swaps in a new version of an endpoint (e.g. with fresh IP addresses), keeping its state. False if it is gone.</summary>
    public bool Replace(Endpoint current, Endpoint replacement) =>
        Update(current, s => s with { Endpoint = replacement });

    /// <summary>
    /// Makes <paramref name="endpoints"/> the endpoint set, in that order. Endpoints already known by address keep their
    /// object, state and counters; new ones start in rotation. Removed endpoints get no new connections; open ones finish.
    /// </summary>
    public EndpointSetChange SetEndpoints(IReadOnlyList<Endpoint> endpoints, string source = "flag")
    {
        while (true)
        {
            var snapshot = Current;
            var now = _time.GetUtcNow();
            var statuses = endpoints.Select(e =>
            {
                var known = snapshot.Statuses.FirstOrDefault(s => s.Endpoint.Address == e.Address);
                return known is null ? new EndpointStatus(e, true, now, null) { Source = source }
                    : known.Endpoint.IPAddresses.SequenceEqual(e.IPAddresses) && known.Endpoint.Rank == e.Rank ? known
                    : known with { Endpoint = e with { Stats = known.Endpoint.Stats } };
            }).ToList();
            var added = statuses.Where(s => snapshot.Find(s.Endpoint.Address) is null).Select(s => s.Endpoint).ToList();
            var removed = snapshot.Statuses.Where(s => !endpoints.Any(e => e.Address == s.Endpoint.Address)).Select(s => s.Endpoint).ToList();
            if (added.Count == 0 && removed.Count == 0 && statuses.Select(s => s.Endpoint).SequenceEqual(snapshot.Statuses.Select(s => s.Endpoint)))
            {
                return new EndpointSetChange([], []);
            }

            var next = new EndpointSnapshot([.. statuses]);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, snapshot), snapshot))
            {
                return new EndpointSetChange(added, removed);
            }
        }
    }

    /// <summary>Applies <paramref name="change"/> to the endpoint's status (null: nothing to do) and publishes it atomically.</summary>
    private bool Update(Endpoint endpoint, Func<EndpointStatus, EndpointStatus?> change)
    {
        while (true)
        {
            var snapshot = Current;
            var index = snapshot.IndexOf(endpoint);
            if (index < 0 || change(snapshot.Statuses[index]) is not { } updated)
            {
                return false;
            }

            var next = new EndpointSnapshot(snapshot.Statuses.SetItem(index, updated));
            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, snapshot), snapshot))
            {
                return true;
            }
        }
    }
}
