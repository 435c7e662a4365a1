namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// The watchers a client holds on one stream, by the ids it knows them by, with the rules of etcd's per-stream watch ids:
/// an id the client chooses is refused while a watcher holds it; asked for 0, the stream gives the lowest id from its
/// counter up that no watcher holds, and the counter only goes up, so an id given automatically is not given again. A
/// watcher holds its id from its creation until the client cancels it, even when the cluster ended it (compaction).
/// </summary>
internal sealed class WatcherTable
{
    private readonly Dictionary<long, ClientWatcher> _byId = [];
    private long _nextAutoId;

    public int Count => _byId.Count;

    public bool Holds(long id) => _byId.ContainsKey(id);

    public ClientWatcher? Find(long id) => _byId.GetValueOrDefault(id);

    /// <summary>The id etcd's stream would give the next watcher created with id 0; taken once asked for.</summary>
    public long NextAutoId()
    {
        while (_byId.ContainsKey(_nextAutoId))
        {
            _nextAutoId++;
        }

        return _nextAutoId++;
    }

    /// <summary>Adds a created watcher under its <see cref="ClientWatcher.Id"/>, which no other watcher may hold.</summary>
    public void Add(ClientWatcher watcher) => _byId.Add(watcher.Id, watcher);

    public void Remove(ClientWatcher watcher) => _byId.Remove(watcher.Id);

    /// <summary>Every watcher, oldest first (by creation order).</summary>
    public List<ClientWatcher> InCreationOrder() => [.. _byId.Values.OrderBy(w => w.Order)];
}
