using System.Collections.Concurrent;

namespace EtcdGateway.Endpoints;

/// <summary>
/// The open client connections and the cap on how many may be open (set from the file-descriptor limit at start-up):
/// the listener reserves a slot before each accept, the connection gives it back when it ends. Shutdown uses the
/// same list to wait for connections to finish and to close the stragglers.
/// </summary>
internal sealed class ConnectionTracker(int maxConnections) : IDisposable
{
    private readonly ConcurrentDictionary<ITrackedConnection, byte> _open = new();
    private readonly SemaphoreSlim _slots = new(maxConnections, maxConnections);

    public int MaxConnections => maxConnections;

    public int Count => _open.Count;

    /// <summary>Takes a slot without waiting; false when the cap is reached.</summary>
    public bool TryReserve() => _slots.Wait(0);

    /// <summary>Waits for a slot; connections beyond the cap wait in the kernel's listen backlog meanwhile.</summary>
    public Task ReserveAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Gives back a slot that was reserved but not used (the accept failed).</summary>
    public void Unreserve() => _slots.Release();

    public void Add(ITrackedConnection connection) => _open.TryAdd(connection, 0);

    /// <summary>Forgets the connection and frees its slot.</summary>
    public void Remove(ITrackedConnection connection)
    {
        if (_open.TryRemove(connection, out _))
        {
            _slots.Release();
        }
    }

    /// <summary>Waits until no connection is open or the deadline passes; returns whether all finished.</summary>
    public async Task<bool> WaitForAllAsync(TimeSpan deadline, TimeProvider time)
    {
        var start = time.GetTimestamp();
        while (!_open.IsEmpty)
        {
            if (time.GetElapsedTime(start) >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time);
        }

        return true;
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>Resets every open connection relayed to this address; returns how many.</summary>
    public int AbortConnectionsTo(Endpoints.EndpointAddress address)
    {
        var count = 0;
        foreach (var connection in _open.Keys)
        {
            if (connection.Endpoint?.Address == address)
            {
                connection.Abort();
                count++;
            }
        }

        return count;
    }

    /// <summary>Tells every open connection relayed to this address that its endpoint has left rotation.</summary>
    public void EndpointLeftRotation(Endpoints.EndpointAddress address)
    {
        foreach (var connection in _open.Keys)
        {
            if (connection.Endpoint?.Address == address)
            {
                connection.LeftRotation();
            }
        }
    }

    public void AbortAll()
    {
        foreach (var connection in _open.Keys)
        {
            connection.Abort();
        }
    }
}
