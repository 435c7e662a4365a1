using System.Diagnostics;
using System.Net.Sockets;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>
/// One client connection through the gateway, from accept to close.
/// <code>
///   client ──▶ [ gateway: pick → dial → relay ⇄ ] ──▶ endpoint
/// </code>
/// Bytes are never inspected, so TLS, gRPC and HTTP all pass through unchanged.
/// </summary>
internal sealed class ClientConnection : IRelayConnection
{
    private readonly Socket _client;
    private readonly GatewayContext _context;
    private Socket? _backend;
    private Endpoint? _endpoint;
    private int _aborted;
    private int _finSentToClient;
    private int _finSentToBackend;

    public ClientConnection(Socket client, GatewayContext context)
    {
        _client = client;
        _context = context;
    }

    /// <inheritdoc/>
    public Endpoint? Endpoint => Volatile.Read(ref _endpoint);

    public async Task RunAsync()
    {
        var started = Stopwatch.GetTimestamp();
        _context.Tracker.Add(this);
        _context.Metrics.ConnectionAccepted();
        try
        {
            _client.NoDelay = true;

            // :: Step 1: pick an endpoint and dial it; on failure take it out of rotation and try the next.
            var dialed = await ConnectBackendAsync();
            if (dialed is null)
            {
                Abort();
                return;
            }

            var (backend, endpoint) = dialed.Value;
            Volatile.Write(ref _endpoint, endpoint);

            // Exchange is a full fence: Abort() either sees this socket, or we see its flag below; never neither.
            Interlocked.Exchange(ref _backend, backend);
            if (Volatile.Read(ref _aborted) != 0)
            {
                // Drain gave up on us while the dial was in flight; Abort() ran before it could see this socket.
                AbortiveClose.Reset(backend);
                return;
            }

            // :: Step 2: relay both directions independently.
            endpoint.Stats.ConnectionOpened();
            long bytesUp, bytesDown;
            try
            {
                var upstream = PumpAsync(_client, backend, endpoint.Stats, fromClient: true);
                var downstream = PumpAsync(backend, _client, endpoint.Stats, fromClient: false);
                bytesUp = await upstream;
                bytesDown = await downstream;
            }
            finally
            {
                endpoint.Stats.ConnectionClosed();
            }

            // :: Step 4: teardown. Both directions ended with FINs passed on (half-close kept), or one failed and
            // Abort() already reset both sides.
            if (Volatile.Read(ref _aborted) == 0)
            {
                _client.Dispose();
                backend.Dispose();
            }

            if (_context.Logger.IsEnabled(LogLevel.Debug))
            {
                _context.Logger.Debug("connection closed", [
                    new("endpoint", endpoint.Name), new("bytes-from-client", bytesUp), new("bytes-to-client", bytesDown),
                    new("aborted", Volatile.Read(ref _aborted) != 0)]);
            }
        }
        catch (Exception e)
        {
            // Nothing may escape a fire-and-forget connection task; log it and drop this one connection only.
            _context.Logger.Error("unexpected error in client connection", [.. LogField.Unexpected(e)]);
            Abort();
        }
        finally
        {
            _context.Metrics.ConnectionDuration.Record(Stopwatch.GetElapsedTime(started));
            _context.Tracker.Remove(this);
        }
    }

    /// <inheritdoc/>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        AbortiveClose.Reset(_client);
        var backend = Volatile.Read(ref _backend);
        if (backend is not null)
        {
            AbortiveClose.Reset(backend);
        }
    }

    private async Task<long> PumpAsync(Socket source, Socket destination, EndpointStats stats, bool fromClient)
    {
        try
        {
            var copied = SplicePump.IsSupported
                ? await SplicePump.RunAsync(source, destination, stats, fromClient)
                : await BytePump.RunAsync(source, destination, stats, fromClient);

            // :: Step 3: half-close. The sender is done sending, not necessarily receiving: pass its FIN on and keep the
            // other direction open. But a reset can surface as a plain end of stream (a failed send on the same socket
            // took the error first); forwarding a FIN then would make a truncated answer look complete.
            ref var finSentToSource = ref fromClient ? ref _finSentToClient : ref _finSentToBackend;
            if (Volatile.Read(ref finSentToSource) == 0 && BytePump.WasReset(source))
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            Volatile.Write(ref fromClient ? ref _finSentToBackend : ref _finSentToClient, 1);
            destination.Shutdown(SocketShutdown.Send);
            return copied;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A reset or failed write on either side: propagate the abort so the peer does not wait forever.
            Abort();
            return 0;
        }
    }

    private async Task<(Socket Socket, Endpoint Endpoint)?> ConnectBackendAsync()
    {
        var selection = new BackendSelection(_context);
        while (selection.Next(() => _client.RemoteEndPoint?.ToString()) is { } endpoint)
        {
            try
            {
                var socket = await _context.Settings.Dialer.DialAsync(endpoint, CancellationToken.None);
                selection.Succeeded(endpoint);
                return (socket, endpoint);
            }
            catch (DialException e)
            {
                if (!selection.Failed(endpoint, e))
                {
                    return null;
                }
            }
        }

        return null;
    }
}
