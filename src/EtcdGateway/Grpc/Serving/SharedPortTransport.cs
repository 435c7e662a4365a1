using System.Net;
using System.Net.Sockets;
using EtcdGateway.Linux;
using EtcdGateway.Logging;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// Kestrel's transport for the proxy's one port (etcd serves gRPC and HTTP/1.1 on one port with cmux; so do we):
/// accepts on the socket the host bound, peeks at each connection's first bytes (<see cref="PrefaceSniffer"/>), and hands
/// it to Kestrel's HTTP/2-only or HTTP/1.1-only endpoint. The socket is then Kestrel's own socket connection, so after
/// the peek nothing of ours sits between client and Kestrel.
/// <code>
/// client ──► listen socket ──► accept ──► peek ──┬─ preface ──► SharedPortListener(Http2) ──► Kestrel HTTP/2 ──► gRPC services
///                                                └─ other ────► SharedPortListener(Http1) ──► Kestrel HTTP/1.1 ──► /health
/// </code>
/// With TLS to clients there is nothing to peek at: every connection goes to one share, where Kestrel completes the
/// handshake and ALPN chooses between HTTP/2 and HTTP/1.1.
/// <code>
/// client ──► listen socket ──► accept ──► SharedPortListener(Tls) ──► Kestrel TLS ──┬─ ALPN h2 ───────► HTTP/2 ──► gRPC services
///                                                                                  └─ http/1.1/none ─► HTTP/1.1 ──► /health
/// </code>
/// </summary>
internal sealed class SharedPortTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector, IAsyncDisposable
{
    /// <summary>How long a new connection may take to send its first bytes before it is closed.</summary>
    public static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listenSocket;
    private readonly bool _tls;
    private readonly JsonLogger _logger;
    private readonly TimeProvider _time;
    // Each read waits for the client's bytes with a buffer already in hand instead of a zero-byte read first: one
    // completion (and thread-pool hand-off) per arrival instead of two. What that saves shows where arrivals come one at a
    // time: 1,000 clients each sending a lease keep-alive every 3 s cost less CPU in 9 of 11 side-by-side runs (mean 7%);
    // forwarded unary calls, where reads come in bursts, cost the same. An idle connection holds one 4 KiB block of
    // Kestrel's pool for it.
    private readonly SocketConnectionContextFactory _connections = new(
        new SocketConnectionFactoryOptions { WaitForDataBeforeAllocatingBuffer = false }, NullLogger.Instance);
    private readonly Dictionary<SharedPortProtocol, SharedPortListener> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<bool> _acceptEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _acceptLoop;

    /// <param name="tls">Whether the port speaks TLS (Kestrel's TLS share takes every connection).</param>
    public SharedPortTransport(Socket listenSocket, bool tls, JsonLogger logger, TimeProvider time)
    {
        _listenSocket = listenSocket;
        _tls = tls;
        _logger = logger;
        _time = time;
    }

    /// <summary>Completes with false when accepting broke for good (the socket failed), true when it was stopped.</summary>
    public Task<bool> AcceptEnded => _acceptEnded.Task;

    public EndPoint ListenAddress => _listenSocket.LocalEndPoint!;

    /// <summary>The shares Kestrel listens on: one for TLS, or HTTP/2 and HTTP/1.1.</summary>
    public IReadOnlyList<SharedPortProtocol> Shares => _tls ? [SharedPortProtocol.Tls] : [SharedPortProtocol.Http2, SharedPortProtocol.Http1];

    public bool CanBind(EndPoint endpoint) => endpoint is SharedPortEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var shared = endpoint as SharedPortEndPoint ?? throw new NotSupportedException($"{endpoint} is not a share of the proxy's port");
        var listener = new SharedPortListener(shared);
        lock (_listeners)
        {
            _listeners[shared.Protocol] = listener;

            // Accept only once Kestrel listens on every share, so no connection is judged before its side exists.
            if (_listeners.Count == Shares.Count && _acceptLoop is null)
            {
                _acceptLoop = AcceptLoopAsync();
            }
        }

        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>Stops accepting; connections already handed to Kestrel go on.</summary>
    public async Task StopAcceptingAsync()
    {
        await _stop.CancelAsync();
        if (_acceptLoop is { } loop)
        {
            await loop;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var backoff = TimeSpan.Zero;
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listenSocket.AcceptAsync(_stop.Token);
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                // The host closed the listening socket: it is stopping.
                break;
            }
            catch (SocketException e) when (SocketErrors.IsLocalResourceShortage(e.SocketErrorCode))
            {
                // Out of descriptors or buffers: refusing would lose nothing the backlog cannot hold, so wait and go on.
                backoff = backoff == TimeSpan.Zero ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                _logger.Warn("cannot accept a client connection; backing off", [new("listen-addr", ListenAddress.ToString()), LogField.Error(e), new("backoff", backoff)]);
                await Delay(backoff);
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.Interrupted)
            {
                // The client left before we took it: its problem, not the listener's.
                continue;
            }
            catch (SocketException e)
            {
                _logger.Error("listener failed; stopping", [new("listen-addr", ListenAddress.ToString()), .. LogField.Unexpected(e)]);
                _acceptEnded.TrySetResult(false);
                return;
            }

            _ = HandOverAsync(client);
        }

        _acceptEnded.TrySetResult(true);
    }

    private async Task HandOverAsync(Socket client)
    {
        try
        {
            client.NoDelay = true;
            SharedPortProtocol? protocol = SharedPortProtocol.Tls;
            if (!_tls)
            {
                using var timeout = new CancellationTokenSource(FirstBytesTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
                protocol = await PrefaceSniffer.SniffAsync(client, _time, linked.Token);
            }

            SharedPortListener? listener = null;
            if (protocol is { } known)
            {
                lock (_listeners)
                {
                    listener = _listeners.GetValueOrDefault(known);
                }
            }

            if (listener is null)
            {
                client.Dispose();
                return;
            }

            var connection = _connections.Create(client);
            if (!listener.Offer(connection))
            {
                await connection.DisposeAsync();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Silent, reset, or shutting down before it said anything: nothing was served, nothing to report.
            client.Dispose();
        }
    }

    private async Task Delay(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
