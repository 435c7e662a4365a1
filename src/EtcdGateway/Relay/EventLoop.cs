using System.Collections.Concurrent;
using EtcdGateway.Hosting;
using EtcdGateway.Linux;
using EtcdGateway.Logging;

namespace EtcdGateway.Relay;

/// <summary>
/// One thread with one epoll instance, owning its share of the connections: it accepts them (from the listening socket
/// every loop watches), dials their endpoints and relays their bytes, all without blocking. A connection costs a small
/// object and its two descriptors; no buffer or pipe is held while it is idle. Other threads reach a loop only through
/// <see cref="Post"/> (aborts, stop).
/// </summary>
internal sealed class EventLoop : IDisposable
{
    private const ulong WakeToken = 0;
    private const ulong ListenToken = 1;
    private const ulong FirstConnectionToken = 2;
    private const int MaxEventsPerWait = 256;

    private readonly DataPathParts _parts;
    private readonly int _epoll;
    private readonly int _wakeFd;
    private readonly byte[] _events = LinuxEpoll.NewEventBuffer(MaxEventsPerWait);
    private readonly byte[] _controlScratch = LinuxEpoll.NewEventBuffer(1);
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly PriorityQueue<RelayConnection, long> _dialDeadlines = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly List<int> _releasedThisTurn = [];
    private readonly Thread _thread;
    private readonly bool _batchScheduling;
    private RelayConnection?[] _connections = new RelayConnection?[64];
    private List<(RelayConnection Connection, bool BackendSide)> _readAgain = [];
    private List<(RelayConnection Connection, bool BackendSide)> _readingAgain = [];
    private int _slotsUsed;
    private int _wakePending;
    private volatile bool _exit;
    private ListenerShare? _listener;

    public EventLoop(DataPathParts parts, int index, bool batchScheduling)
    {
        _parts = parts;
        _batchScheduling = batchScheduling;
        _epoll = LinuxEpoll.Create();
        _wakeFd = _epoll < 0 ? -1 : LinuxEpoll.CreateWakeUp();
        if (_epoll < 0 || _wakeFd < 0 || LinuxEpoll.Add(_epoll, _wakeFd, LinuxEpoll.In, WakeToken, _controlScratch) != 0)
        {
            Dispose();
            throw new InvalidOperationException($"cannot create the relay's event loop: {SocketErrors.DescribeErrno(-Math.Min(_epoll, _wakeFd))}");
        }

        _thread = new Thread(Run) { IsBackground = true, Name = $"relay loop {index}" };
        _thread.Start();
    }

    public DataPathParts Parts => _parts;

    public ChunkMover Mover { get; } = new();

    /// <summary>Runs <paramref name="action"/> on the loop's thread, soon. Safe from any thread.</summary>
    public void Post(Action action)
    {
        _posted.Enqueue(action);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0)
        {
            LinuxEpoll.Signal(_wakeFd);
        }
    }

    /// <summary>Starts taking connections from <paramref name="listenFd"/> (on the loop's thread).</summary>
    public void StartAccepting(int listenFd, Action onFatal) => Post(() =>
    {
        _listener = new ListenerShare(this, listenFd, onFatal);
        _listener.Resume();
    });

    /// <summary>Stops accepting; completes once this loop will not touch the listening socket again.</summary>
    public Task StopAcceptingAsync()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            _listener?.Stop();
            stopped.TrySetResult();
        });
        return stopped.Task;
    }

    /// <summary>Watches the listening socket; every loop does, and EPOLLEXCLUSIVE wakes one of them per connection (where the kernel has it, 4.5 on).</summary>
    public int AddListener(int fd)
    {
        var added = LinuxEpoll.Add(_epoll, fd, LinuxEpoll.In | LinuxEpoll.Exclusive, ListenToken, _controlScratch);
        return added == -22 ? LinuxEpoll.Add(_epoll, fd, LinuxEpoll.In, ListenToken, _controlScratch) : added; // EINVAL: no EPOLLEXCLUSIVE
    }

    public int RemoveListener(int fd) => LinuxEpoll.Delete(_epoll, fd, _controlScratch);

    public int Add(int fd, uint events, int slot, bool backendSide) => LinuxEpoll.Add(_epoll, fd, events, Token(slot, backendSide), _controlScratch);

    public int Modify(int fd, uint events, int slot, bool backendSide) => LinuxEpoll.Modify(_epoll, fd, events, Token(slot, backendSide), _controlScratch);

    /// <summary>Takes a freshly accepted client socket into this loop.</summary>
    public void StartConnection(int clientFd)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _slotsUsed++;
        if (slot == _connections.Length)
        {
            Array.Resize(ref _connections, _connections.Length * 2);
        }

        var connection = new RelayConnection(this, slot, clientFd);
        _connections[slot] = connection;
        try
        {
            connection.Start();
        }
        catch (Exception e)
        {
            OnConnectionFault(connection, e);
        }
    }

    /// <summary>
    /// Frees a closed connection's slot once this turn's events are handled: events already read for it must not reach a
    /// new connection in the same slot.
    /// </summary>
    public void Release(int slot) => _releasedThisTurn.Add(slot);

    /// <summary>
    /// Reads <paramref name="connection"/>'s socket again after this turn's events: it stopped at its share of a turn with
    /// bytes maybe left, which no new edge-triggered event would report.
    /// </summary>
    public void ReadAgainLater(RelayConnection connection, bool backendSide) => _readAgain.Add((connection, backendSide));

    public void ScheduleDialDeadline(RelayConnection connection, long deadline) => _dialDeadlines.Enqueue(connection, deadline);

    public void Dispose()
    {
        _exit = true;
        if (_wakeFd >= 0)
        {
            LinuxEpoll.Signal(_wakeFd);
        }

        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(2));
        }

        Mover.Dispose();
        foreach (var fd in new[] { _wakeFd, _epoll })
        {
            if (fd >= 0)
            {
                LinuxSockets.Close(fd);
            }
        }
    }

    private static ulong Token(int slot, bool backendSide) => FirstConnectionToken + ((ulong)slot << 1) + (backendSide ? 1UL : 0UL);

    private void Run()
    {
        if (_batchScheduling && LinuxScheduling.UseBatchPolicy() is var refused and < 0)
        {
            // Still correct, only more wake-ups per request (see RelayEngineSettings.BatchScheduling).
            _parts.Logger.Warn("relay event loop: cannot use the batch scheduling policy", [new("error", SocketErrors.DescribeErrno(-refused))]);
        }

        while (!_exit)
        {
            var count = LinuxEpoll.Wait(_epoll, _events, _readAgain.Count > 0 ? 0 : NextTimeoutMilliseconds());
            if (count < 0 && count != -Errno.EINTR)
            {
                _parts.Logger.Error("relay event loop: epoll_wait failed", [new("error", SocketErrors.DescribeErrno(-count))]);
                Thread.Sleep(100);
                continue;
            }

            for (var i = 0; i < count; i++)
            {
                Dispatch(LinuxEpoll.TokenAt(_events, i), LinuxEpoll.EventsAt(_events, i));
            }

            ReadAgain();
            RunTimers();
            foreach (var slot in _releasedThisTurn)
            {
                _connections[slot] = null;
                _freeSlots.Push(slot);
            }

            _releasedThisTurn.Clear();
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        if (token == WakeToken)
        {
            // Clear the flag first: a post that lands while we drain signals again.
            Volatile.Write(ref _wakePending, 0);
            LinuxEpoll.Drain(_wakeFd);
            while (_posted.TryDequeue(out var action))
            {
                try
                {
                    action();
                }
                catch (Exception e)
                {
                    _parts.Logger.Error("unexpected error in the relay event loop", [.. LogField.Unexpected(e)]);
                }
            }

            return;
        }

        if (token == ListenToken)
        {
            _listener?.OnReadable();
            return;
        }

        var index = token - FirstConnectionToken;
        if (_connections[(int)(index >> 1)] is { IsClosed: false } connection)
        {
            try
            {
                connection.OnEvent(backendSide: (index & 1) != 0, events);
            }
            catch (Exception e)
            {
                OnConnectionFault(connection, e);
            }
        }
    }

    /// <summary>Nothing may escape into the loop: log it and reset this one connection only.</summary>
    private void OnConnectionFault(RelayConnection connection, Exception e)
    {
        _parts.Logger.Error("unexpected error in client connection", [.. LogField.Unexpected(e)]);
        try
        {
            connection.ResetBothSides();
        }
        catch (Exception)
        {
            // Already logged; the connection is as closed as it can be.
        }
    }

    private void ReadAgain()
    {
        (_readAgain, _readingAgain) = (_readingAgain, _readAgain);
        foreach (var (connection, backendSide) in _readingAgain)
        {
            if (connection.IsClosed)
            {
                continue;
            }

            try
            {
                connection.ReadAgain(backendSide);
            }
            catch (Exception e)
            {
                OnConnectionFault(connection, e);
            }
        }

        _readingAgain.Clear();
    }

    private void RunTimers()
    {
        if (_dialDeadlines.Count == 0 && _listener is not { ResumeAt: < long.MaxValue })
        {
            // Nothing is due: no clock read on a turn that only relayed bytes.
            return;
        }

        var now = _parts.Time.GetTimestamp();
        while (_dialDeadlines.TryPeek(out var connection, out var deadline) && deadline <= now)
        {
            _dialDeadlines.Dequeue();
            try
            {
                connection.OnDialDeadline(deadline);
            }
            catch (Exception e)
            {
                OnConnectionFault(connection, e);
            }
        }

        _listener?.OnTimer(now);
    }

    private int NextTimeoutMilliseconds()
    {
        var next = long.MaxValue;
        if (_dialDeadlines.TryPeek(out _, out var deadline))
        {
            next = deadline;
        }

        if (_listener is { ResumeAt: var resume } && resume < next)
        {
            next = resume;
        }

        if (next == long.MaxValue)
        {
            return -1;
        }

        var wait = _parts.Time.GetElapsedTime(_parts.Time.GetTimestamp(), next);
        return wait <= TimeSpan.Zero ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(wait.TotalMilliseconds));
    }
}
