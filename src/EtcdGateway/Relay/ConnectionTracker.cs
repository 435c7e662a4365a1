using System.Collections.Concurrent;

namespace EtcdGateway.Relay;

/// <summary>The open client connections, so shutdown can wait for them to finish and close the stragglers.</summary>
internal sealed class ConnectionTracker
{
    private readonly ConcurrentDictionary<ClientConnection, byte> _open = new();

    public int Count => _open.Count;

    public void Add(ClientConnection connection) => _open.TryAdd(connection, 0);

    public void Remove(ClientConnection connection) => _open.TryRemove(connection, out _);

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

    public void AbortAll()
    {
        foreach (var connection in _open.Keys)
        {
            connection.Abort();
        }
    }
}
