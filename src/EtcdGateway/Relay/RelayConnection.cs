using System.Diagnostics;
using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Hosting;
using EtcdGateway.Linux;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>
/// One client connection on an <see cref="EventLoop"/>, from accept to close, as a state machine driven by epoll events:
/// <code>
///   accepted ─▶ dialing (non-blocking connect, one endpoint after another) ─▶ relaying ⇄ ─▶ closed
/// </code>
/// Everything but <see cref="Abort"/> runs on the loop's thread, so the state needs no locks. Bytes are never
/// inspected. A FIN is passed on as a FIN (half-close kept), an error on either side resets both.
/// </summary>
internal sealed class RelayConnection : ITrackedConnection
{
    /// <summary>Chunks one direction moves per event before other connections get a turn.</summary>
    private const int ChunksPerTurn = 4;

    /// <summary>
    /// What a relaying socket is registered for: readable and writable edges, and the peer's FIN (errors and hang-ups
    /// always).
    /// </summary>
    private const uint RelayEvents = LinuxEpoll.In | LinuxEpoll.Out | LinuxEpoll.ReadHangUp | LinuxEpoll.EdgeTriggered;

    private readonly EventLoop _loop;
    private readonly DataPathParts _parts;
    private readonly int _slot;
    private readonly int _clientFd;
    private readonly long _started;

    private ConnectionState _state = ConnectionState.Dialing;
    private int _backendFd = -1;
    private Endpoint? _endpoint;
    private int _abortRequested;

    private BackendSelection? _selection;
    private Endpoint? _dialing;
    private IPEndPoint? _dialTarget;
    private int _nextAddress;
    private long _dialDeadline;
    private DialException? _lastDialError;

    private RelayFlow _up;
    private RelayFlow _down;

    public RelayConnection(EventLoop loop, int slot, int clientFd)
    {
        _loop = loop;
        _parts = loop.Parts;
        _slot = slot;
        _clientFd = clientFd;
        _started = Stopwatch.GetTimestamp();
    }

    private enum ConnectionState
    {
        Dialing,
        Relaying,
        Closed,
    }

    /// <inheritdoc/>
    public Endpoint? Endpoint => Volatile.Read(ref _endpoint);

    public bool IsClosed => _state == ConnectionState.Closed;

    /// <inheritdoc/>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _abortRequested, 1) == 0)
        {
            _loop.Post(ResetBothSides);
        }
    }

    /// <summary>Step 1, on the loop: count the connection and start dialing.</summary>
    public void Start()
    {
        _parts.Tracker.Add(this);
        _parts.Metrics.ConnectionAccepted();
        _selection = _parts.Picker.NewSelection();
        DialNextEndpoint();
    }

    /// <summary>An epoll event for one of our two sockets.</summary>
    public void OnEvent(bool backendSide, uint events)
    {
        if (_state == ConnectionState.Dialing)
        {
            if (backendSide)
            {
                OnDialEvent(events);
            }

            return;
        }

        if (_state != ConnectionState.Relaying)
        {
            return;
        }

        var fd = backendSide ? _backendFd : _clientFd;
        if ((events & LinuxEpoll.Error) != 0 && LinuxSockets.TakeError(fd) != 0)
        {
            // A reset (also one that arrives after a half-close, when nobody reads this socket any more).
            ResetBothSides();
            return;
        }

        var writable = (events & (LinuxEpoll.Out | LinuxEpoll.Error | LinuxEpoll.HangUp)) != 0;
        var readable = (events & (LinuxEpoll.In | LinuxEpoll.Error | LinuxEpoll.HangUp)) != 0;

        // A FIN that came with the bytes sits behind them: a short read took the bytes, and no new edge will come for the
        // FIN, so a socket whose peer ended is read until it says so.
        var untilEmpty = (events & (LinuxEpoll.ReadHangUp | LinuxEpoll.HangUp)) != 0;
        if (backendSide)
        {
            Step(writable, readable, untilEmpty, ref _up, ref _down, _clientFd, _backendFd, fromClient: false);
        }
        else
        {
            Step(writable, readable, untilEmpty, ref _down, ref _up, _backendFd, _clientFd, fromClient: true);
        }

        if (_state != ConnectionState.Relaying)
        {
            return;
        }

        if (_up.Done && _down.Done)
        {
            // :: Step 4: both directions ended with their FINs passed on.
            LinuxSockets.Close(_clientFd);
            LinuxSockets.Close(_backendFd);
            Finish(aborted: false);
        }
    }

    /// <summary>Reads a source that stopped at its share of a turn, until it is empty (see <see cref="Pump"/>).</summary>
    public void ReadAgain(bool backendSide) => OnEvent(backendSide, LinuxEpoll.In | LinuxEpoll.ReadHangUp);

    /// <summary>The loop's timer for a dial: the endpoint did not answer within --dial-timeout.</summary>
    public void OnDialDeadline(long deadline)
    {
        if (_state != ConnectionState.Dialing || deadline != _dialDeadline || _dialing is null)
        {
            return;
        }

        CloseBackend();
        EndpointFailed(new DialException($"dial tcp {_dialTarget?.ToString() ?? _dialing.Name}: i/o timeout", DialFault.Endpoint));
    }

    /// <summary>Resets both sides (RST, not FIN); on the loop's thread.</summary>
    public void ResetBothSides()
    {
        if (_state == ConnectionState.Closed)
        {
            return;
        }

        LinuxSockets.Reset(_clientFd);
        if (_backendFd >= 0)
        {
            LinuxSockets.Reset(_backendFd);
        }

        Finish(aborted: true);
    }

    /// <summary>
    /// Step 3 for the socket an event came for (<paramref name="fd"/>, the destination of <paramref name="into"/> and
    /// the source of <paramref name="outOf"/>): send what waited for it, then read what it has. Events are edge-triggered:
    /// a source that became readable while its bytes waited is not reported again, so a flow that has sent what waited
    /// reads its source at once.
    /// </summary>
    private void Step(bool writable, bool readable, bool untilEmpty, ref RelayFlow into, ref RelayFlow outOf, int peerFd, int fd, bool fromClient)
    {
        if (writable && into.Pending is not null)
        {
            if (!ChunkMover.TryFlush(fd, ref into))
            {
                ResetBothSides();
                return;
            }

            if (into.WantsToRead)
            {
                // Its source's edges (bytes, a FIN) may all have come while it waited: read it until it is empty.
                Pump(ref into, peerFd, fd, !fromClient, untilEmpty: true);
                if (_state != ConnectionState.Relaying)
                {
                    return;
                }
            }
        }

        if (readable && outOf.WantsToRead)
        {
            Pump(ref outOf, fd, peerFd, fromClient, untilEmpty);
        }
    }

    /// <summary>
    /// Moves bytes until the source is drained, the destination is full or the source ended. After
    /// <see cref="ChunksPerTurn"/> chunks other connections get a turn, and the loop comes back to this source (no new edge
    /// would say it still has bytes). A short read counts as drained unless <paramref name="untilEmpty"/> asks to read on
    /// until the source says EAGAIN or end of stream.
    /// </summary>
    private void Pump(ref RelayFlow flow, int from, int to, bool fromClient, bool untilEmpty)
    {
        var stats = _endpoint!.Stats;
        for (var chunk = 0; chunk < ChunksPerTurn; chunk++)
        {
            var result = _loop.Mover.Move(from, to, ref flow, out var moved);
            if (moved > 0)
            {
                flow.Bytes += moved;
                stats.AddBytes(fromClient, moved);
            }

            switch (result)
            {
                case MoveResult.MovedChunk:
                case MoveResult.Drained when untilEmpty && moved > 0:
                    continue;
                case MoveResult.EndOfStream:
                    PassOnEndOfStream(ref flow, from, to, fromClient);
                    return;
                case MoveResult.Failed:
                    ResetBothSides();
                    return;
                default:
                    return;
            }
        }

        _loop.ReadAgainLater(this, backendSide: !fromClient);
    }

    /// <summary>
    /// Half-close: the sender is done sending, not necessarily receiving, so its FIN goes on and the other direction
    /// stays open. But a reset can arrive behind a FIN and read as a plain end of stream; passing a FIN on then would
    /// make a truncated answer look complete.
    /// </summary>
    private void PassOnEndOfStream(ref RelayFlow flow, int from, int to, bool fromClient)
    {
        // The other direction is done once it has passed its FIN on, to the socket this one reads from.
        var otherDone = fromClient ? _down.Done : _up.Done;
        if (!otherDone && LinuxSockets.WasReset(from))
        {
            ResetBothSides();
            return;
        }

        // When the other direction has ended too, both sockets are closed next, and close() sends the FIN (nothing is
        // left unread on them); otherwise the FIN goes now and the other direction keeps flowing.
        if (!otherDone && LinuxSockets.ShutdownSend(to) != 0)
        {
            ResetBothSides();
            return;
        }

        flow.Done = true;
    }

    // ---------------------------------------------------------------------------------------------- dialing

    private void DialNextEndpoint()
    {
        while (_selection!.Next(ClientName) is { } endpoint)
        {
            _dialing = endpoint;
            _nextAddress = 0;
            _lastDialError = null;
            _dialDeadline = _parts.Time.GetTimestamp() + (long)(_parts.DialTimeout().TotalSeconds * _parts.Time.TimestampFrequency);
            _loop.ScheduleDialDeadline(this, _dialDeadline);
            if (DialNextAddress())
            {
                return;
            }

            if (!_selection.Failed(endpoint, _lastDialError ?? new DialException($"dial tcp {endpoint}: no IP addresses", DialFault.Endpoint)))
            {
                ResetBothSides();
                return;
            }
        }

        // Nothing left to try (logged by the selection).
        ResetBothSides();
    }

    /// <summary>
    /// Starts a connect to the current endpoint's next address that takes one. True when one is under way (or the
    /// connection was closed); false when every address failed at once.
    /// </summary>
    private bool DialNextAddress()
    {
        var endpoint = _dialing!;
        Span<byte> address = stackalloc byte[SocketAddressBytes.MaxLength];
        while (_nextAddress < endpoint.IPAddresses.Length)
        {
            var target = new IPEndPoint(endpoint.IPAddresses[_nextAddress++], endpoint.Address.Port);
            _dialTarget = target;
            var fd = LinuxSockets.OpenStream(target.AddressFamily);
            if (fd < 0)
            {
                if (!AddressFailed(DialError(target, "socket", -fd)))
                {
                    return true;
                }

                continue;
            }

            LinuxSockets.SetNoDelay(fd);
            var started = LinuxSockets.Connect(fd, address[..SocketAddressBytes.Encode(target, address)]);
            if (started is 0 or -Errno.EINPROGRESS)
            {
                // Connected (or connecting): writable says so, with SO_ERROR telling which.
                _backendFd = fd;
                if (_loop.Add(fd, LinuxEpoll.Out, _slot, backendSide: true) != 0)
                {
                    ResetBothSides();
                }

                return true;
            }

            LinuxSockets.Close(fd);
            if (!AddressFailed(DialError(target, "connect", -started)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// One address failed; true to go on with the next. A shortage of our own (out of fds) closes the client instead and
    /// leaves the endpoint in rotation.
    /// </summary>
    private bool AddressFailed(DialException error)
    {
        _lastDialError = error;
        if (error.Fault != DialFault.Local)
        {
            return true;
        }

        _selection!.Failed(_dialing!, error);
        ResetBothSides();
        return false;
    }

    private void OnDialEvent(uint events)
    {
        // A failed connect raises EPOLLERR (and EPOLLHUP); writable alone means connected, with no SO_ERROR to read.
        var error = (events & (LinuxEpoll.Error | LinuxEpoll.HangUp)) == 0 ? 0 : LinuxSockets.TakeError(_backendFd);
        if (error == 0)
        {
            OnConnected();
            return;
        }

        CloseBackend();
        if (AddressFailed(DialError(_dialTarget!, "connect", error)) && !DialNextAddress())
        {
            EndpointFailed(_lastDialError!);
        }
    }

    /// <summary>The endpoint failed as a whole (every address, or the deadline): out of rotation, on to the next.</summary>
    private void EndpointFailed(DialException error)
    {
        if (!_selection!.Failed(_dialing!, error))
        {
            ResetBothSides();
            return;
        }

        DialNextEndpoint();
    }

    /// <summary>Step 2: the dial worked; relay both directions.</summary>
    private void OnConnected()
    {
        var endpoint = _dialing!;
        _selection!.Succeeded(endpoint);
        (_selection, _dialing, _dialTarget, _lastDialError) = (null, null, null, null);
        Volatile.Write(ref _endpoint, endpoint);
        endpoint.Stats.ConnectionOpened();
        _state = ConnectionState.Relaying;

        // Both sockets for good, edge-triggered: no epoll_ctl per event or per full destination, and no re-check of every
        // reported socket in the next epoll_wait. Bytes the client sent while we dialed are reported at once.
        if (_loop.Add(_clientFd, RelayEvents, _slot, backendSide: false) != 0 || _loop.Modify(_backendFd, RelayEvents, _slot, backendSide: true) != 0)
        {
            ResetBothSides();
        }
    }

    private void CloseBackend()
    {
        if (_backendFd >= 0)
        {
            LinuxSockets.Close(_backendFd);
            _backendFd = -1;
        }
    }

    private static DialException DialError(IPEndPoint target, string step, int errno)
    {
        var fault = errno == Errno.ENOMEM || SocketErrors.IsLocalResourceShortage(SocketErrors.FromErrno(errno)) ? DialFault.Local : DialFault.Endpoint;
        return new DialException($"dial tcp {target}: {step}: {SocketErrors.DescribeErrno(errno)}", fault);
    }

    private string? ClientName() => LinuxSockets.PeerAddress(_clientFd)?.ToString();

    private void Finish(bool aborted)
    {
        var wasRelaying = _state == ConnectionState.Relaying;
        _state = ConnectionState.Closed;
        ChunkMover.ReleasePending(ref _up);
        ChunkMover.ReleasePending(ref _down);
        var endpoint = _endpoint;
        if (wasRelaying && endpoint is not null)
        {
            endpoint.Stats.ConnectionClosed();
            if (_parts.Logger.IsEnabled(LogLevel.Debug))
            {
                _parts.Logger.Debug("connection closed", [
                    new("endpoint", endpoint.Name), new("bytes-from-client", _up.Bytes), new("bytes-to-client", _down.Bytes), new("aborted", aborted)]);
            }
        }

        _parts.Metrics.ConnectionDuration.Record(Stopwatch.GetElapsedTime(_started));
        _parts.Tracker.Remove(this);
        _loop.Release(_slot);
    }
}
