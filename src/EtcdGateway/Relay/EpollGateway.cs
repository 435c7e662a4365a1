using System.Net.Sockets;
using EtcdGateway.Admin;
using EtcdGateway.Hosting;

namespace EtcdGateway.Relay;

/// <summary>
/// The Linux relay engine: one <see cref="EventLoop"/> per core, each accepting from the shared listening socket and
/// relaying its connections over raw descriptors (recv/send for small reads, splice(2) for streams). No runtime Socket
/// objects, tasks or buffers exist per connection, which is what keeps an idle connection at a few hundred bytes and a
/// request at a few system calls.
/// </summary>
internal sealed class EpollGateway : IDataPath
{
    private readonly Socket _listenSocket;
    private readonly EventLoop[] _loops;

    public EpollGateway(DataPathParts parts, int loopCount, bool batchScheduling)
    {
        _listenSocket = parts.ListenSocket;
        AdminView = new RelayAdminView(parts.Tracker, parts.Metrics);
        _loops = new EventLoop[Math.Max(1, loopCount)];
        for (var i = 0; i < _loops.Length; i++)
        {
            _loops[i] = new EventLoop(parts, i, batchScheduling);
        }
    }

    /// <summary>The L4 mode's data path with the loop count and scheduling from the environment (<see cref="RelayEngineSettings"/>).</summary>
    public static IDataPath Create(DataPathParts parts) => new EpollGateway(parts, RelayEngineSettings.Loops, RelayEngineSettings.BatchScheduling);

    public IAdminModeView AdminView { get; }

    /// <summary>
    /// Accepts until <paramref name="stopping"/> fires (returns true) or the listening socket breaks (returns false).
    /// Either way no loop touches the listening socket once this returns; open connections go on until drained.
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        // accept4 must say EAGAIN rather than block when another loop took the connection first. Accepted sockets inherit
        // TCP_NODELAY from the listening socket on Linux, which saves a call per connection.
        _listenSocket.Blocking = false;
        _listenSocket.NoDelay = true;
        var handle = _listenSocket.SafeHandle;
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            var outcome = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var listenFd = (int)handle.DangerousGetHandle();
            foreach (var loop in _loops)
            {
                loop.StartAccepting(listenFd, () => outcome.TrySetResult(false));
            }

            bool result;
            using (stopping.Register(() => outcome.TrySetResult(true)))
            {
                result = await outcome.Task;
            }

            await Task.WhenAll(_loops.Select(l => l.StopAcceptingAsync()));
            return result;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }
}
