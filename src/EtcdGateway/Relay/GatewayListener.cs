using System.Net.Sockets;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>
/// The accept loop. It never accepts past the connection cap, and never dies of a passing fault: transient errors are
/// skipped, resource shortages (EMFILE, ENOBUFS) back off from 100 ms to 5 s and carry on, and only a broken listening
/// socket ends it (the caller then exits non-zero).
/// </summary>
internal sealed class GatewayListener(Socket listenSocket, GatewayContext context, TimeProvider time)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>At the cap every closed connection lets one more in; one line per interval says so instead of two per connection.</summary>
    private static readonly TimeSpan CapLogInterval = TimeSpan.FromSeconds(10);

    private long _lastCapLog = long.MinValue;
    private int _capWaitsSinceLog;

    /// <summary>Accepts until <paramref name="stopping"/> fires (returns true) or a fatal error (returns false).</summary>
    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        var backoff = TimeSpan.Zero;
        while (true)
        {
            if (!await ReserveSlotAsync(stopping))
            {
                return true;
            }

            Socket client;
            try
            {
                client = await listenSocket.AcceptAsync(stopping);
            }
            catch (Exception e) when (stopping.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                context.Tracker.Unreserve();
                return true;
            }
            catch (SocketException e)
            {
                context.Tracker.Unreserve();
                switch (SocketErrors.ClassifyAcceptError(e.SocketErrorCode))
                {
                    case AcceptErrorKind.Transient:
                        context.Logger.Debug("accept failed; continuing", [LogField.Error(SocketErrors.Describe(e))]);
                        continue;
                    case AcceptErrorKind.ResourcePressure:
                        backoff = backoff == TimeSpan.Zero ? FirstBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                        context.Logger.Warn("accept failed: out of resources; backing off", [
                            LogField.Error(SocketErrors.Describe(e)), new("retry-in", backoff), new("open-connections", context.Tracker.Count)]);
                        try
                        {
                            await Task.Delay(backoff, time, stopping);
                        }
                        catch (OperationCanceledException)
                        {
                            return true;
                        }

                        continue;
                    default:
                        context.Logger.Error("accept failed; the listener cannot continue", [LogField.Error(SocketErrors.Describe(e)), new("code", e.SocketErrorCode.ToString())]);
                        return false;
                }
            }

            if (backoff != TimeSpan.Zero)
            {
                context.Logger.Info("accepting connections again", [new("open-connections", context.Tracker.Count)]);
                backoff = TimeSpan.Zero;
            }

            // Not awaited: the connection runs on its own; its first await (the dial) hands the loop back here.
            _ = new ClientConnection(client, context).RunAsync();
        }
    }

    /// <summary>Waits for a free connection slot; false when shutdown began meanwhile.</summary>
    private async Task<bool> ReserveSlotAsync(CancellationToken stopping)
    {
        if (context.Tracker.TryReserve())
        {
            return true;
        }

        _capWaitsSinceLog++;
        if (_lastCapLog == long.MinValue || time.GetElapsedTime(_lastCapLog) >= CapLogInterval)
        {
            context.Logger.Warn("connection limit reached; new connections wait in the listen backlog", [
                new("max-connections", context.Tracker.MaxConnections), new("waits", _capWaitsSinceLog)]);
            _lastCapLog = time.GetTimestamp();
            _capWaitsSinceLog = 0;
        }

        try
        {
            await context.Tracker.ReserveAsync(stopping);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
