using System.Collections.Concurrent;

namespace EtcdGateway.Logging;

/// <summary>
/// Writes log lines to a stream from a thread of its own, so a caller never waits on the stream. A stderr pipe whose
/// reader stalls (a busy journald, a stopped terminal) must not stop the relay: socket completions may run inline on the
/// runtime's I/O thread, and a blocked write there would stall every connection. When the queue is full, lines are
/// dropped and counted (<see cref="TakeDropped"/>) rather than waited for.
/// </summary>
internal sealed class BackgroundLineWriter : IDisposable
{
    private readonly Stream _output;
    private readonly BlockingCollection<byte[]> _queue;
    private readonly Thread _thread;
    private long _dropped;
    private long _queued;
    private long _written;

    public BackgroundLineWriter(Stream output, int capacity = 10_000)
    {
        _output = output;
        _queue = new BlockingCollection<byte[]>(capacity);
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "log writer" };
        _thread.Start();
    }

    /// <summary>Queues a copy of <paramref name="line"/>; false (and counted) when the queue is full.</summary>
    public bool TryWrite(ReadOnlySpan<byte> line)
    {
        if (_queue.IsAddingCompleted || !_queue.TryAdd(line.ToArray()))
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        Interlocked.Increment(ref _queued);
        return true;
    }

    /// <summary>How many lines were dropped since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    /// <summary>Waits until every line queued so far is written, or <paramref name="timeout"/> passed; true if written.</summary>
    public bool WaitUntilWritten(TimeSpan timeout)
    {
        var target = Interlocked.Read(ref _queued);
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Interlocked.Read(ref _written) < target)
        {
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    /// <summary>Writes what is queued (up to 5 s, in case the stream is stuck), then stops the thread.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void WriteLoop()
    {
        foreach (var line in _queue.GetConsumingEnumerable())
        {
            try
            {
                _output.Write(line);

                // Flush once the queue is empty: a burst goes out in few writes, a single line at once.
                if (_queue.Count == 0)
                {
                    _output.Flush();
                }
            }
            catch (IOException)
            {
                // stderr went away (closed pipe); the gateway keeps proxying without logs rather than dying.
            }

            Interlocked.Increment(ref _written);
        }
    }
}
