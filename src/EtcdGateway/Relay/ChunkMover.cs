using System.Buffers;
using EtcdGateway.Linux;

namespace EtcdGateway.Relay;

/// <summary>
/// Moves bytes for the connections of one event loop: small reads through the loop's buffer (read, then send), streams
/// with splice(2) through the loop's own pipe (socket → pipe → socket, never through user space). Only bytes a full
/// destination cannot take yet are copied out, into the flow's pending array.
/// </summary>
internal sealed class ChunkMover : IDisposable
{
    /// <summary>The most one call moves: what a pipe holds.</summary>
    public const int ChunkSize = SplicePipe.Capacity;

    /// <summary>
    /// Small: a read that fills it marks a stream, and a stream's first read of a burst is copied, so the buffer's size is
    /// what a bulk transfer copies each time it goes back to splicing (with 64 KiB, iperf3 through the gateway took about
    /// 10% more CPU per GB than splicing alone; with 16 KiB the same as before, within the noise).
    /// </summary>
    private const int CopyBufferSize = 16 * 1024;

    /// <summary>A splice that moves less than this sends the flow back to copying (a stream has ended its burst).</summary>
    private const int StreamingBelow = 4 * 1024;

    private SplicePipe? _pipe;
    private byte[]? _copyBuffer;

    /// <summary>
    /// Moves one chunk. A flow starts out copying: a request or answer of a few hundred bytes costs less as read + send
    /// through the loop's buffer than as two splices, which lock the pipe and take page references for every chunk
    /// (measured with etcd range requests: fewer CPU cycles per request, same calls). A read that fills the buffer marks
    /// a stream, which splices from then on, until a splice moves little again.
    /// </summary>
    public MoveResult Move(int from, int to, ref RelayFlow flow, out int moved)
    {
        if (!flow.Streaming)
        {
            var copied = Copy(from, to, ref flow, out moved);
            flow.Streaming = copied == MoveResult.MovedChunk;
            return copied;
        }

        _pipe ??= SplicePipe.Rent();
        if (_pipe is null)
        {
            return Copy(from, to, ref flow, out moved);
        }

        var spliced = Splice(_pipe, from, to, ref flow, out moved);
        if (moved is > 0 and < StreamingBelow)
        {
            flow.Streaming = false;
        }

        return spliced;
    }

    /// <summary>Sends what waits in <paramref name="flow"/>, as much as the destination takes now; false when the send failed.</summary>
    public static bool TryFlush(int to, ref RelayFlow flow)
    {
        var sent = LinuxSockets.Send(to, flow.Pending.AsSpan(flow.PendingOffset, flow.PendingCount));
        if (sent < 0)
        {
            return sent == -Errno.EAGAIN;
        }

        flow.PendingOffset += (int)sent;
        flow.PendingCount -= (int)sent;
        if (flow.PendingCount == 0)
        {
            ReleasePending(ref flow);
        }

        return true;
    }

    public static void ReleasePending(ref RelayFlow flow)
    {
        if (flow.Pending is { } pending)
        {
            ArrayPool<byte>.Shared.Return(pending);
            flow.Pending = null;
            flow.PendingOffset = flow.PendingCount = 0;
        }
    }

    public void Dispose()
    {
        if (_pipe is not null)
        {
            SplicePipe.Return(_pipe, empty: false);
            _pipe = null;
        }
    }

    private MoveResult Splice(SplicePipe pipe, int from, int to, ref RelayFlow flow, out int moved)
    {
        moved = 0;
        var received = LinuxSplice.Splice(from, pipe.WriteFd, ChunkSize);
        if (received <= 0)
        {
            return received == 0 ? MoveResult.EndOfStream : received == -Errno.EAGAIN ? MoveResult.Drained : MoveResult.Failed;
        }

        var inPipe = (int)received;
        while (inPipe > 0)
        {
            var sent = LinuxSplice.Splice(pipe.ReadFd, to, inPipe);
            if (sent == -Errno.EAGAIN)
            {
                // The destination is full: take the rest out of the pipe (which other connections share) and hold it.
                var pending = ArrayPool<byte>.Shared.Rent(inPipe);
                if (!DrainPipe(pipe, pending.AsSpan(0, inPipe)))
                {
                    ArrayPool<byte>.Shared.Return(pending);
                    DiscardPipe();
                    return MoveResult.Failed;
                }

                (flow.Pending, flow.PendingOffset, flow.PendingCount) = (pending, 0, inPipe);
                moved = (int)received;
                return MoveResult.Blocked;
            }

            if (sent < 0)
            {
                // Bytes may be left in the pipe: it cannot serve another connection.
                DiscardPipe();
                return MoveResult.Failed;
            }

            inPipe -= (int)sent;
        }

        // A short splice does not prove the socket drained (the pipe may have run out of slots first), and with
        // edge-triggered events nothing would report the rest: the next call finds out (EAGAIN), one call per burst.
        moved = (int)received;
        return MoveResult.MovedChunk;
    }

    private MoveResult Copy(int from, int to, ref RelayFlow flow, out int moved)
    {
        moved = 0;
        var buffer = _copyBuffer ??= new byte[CopyBufferSize];
        var received = LinuxSockets.Receive(from, buffer);
        if (received <= 0)
        {
            return received == 0 ? MoveResult.EndOfStream : received == -Errno.EAGAIN ? MoveResult.Drained : MoveResult.Failed;
        }

        var sent = LinuxSockets.Send(to, buffer.AsSpan(0, (int)received));
        if (sent < 0 && sent != -Errno.EAGAIN)
        {
            return MoveResult.Failed;
        }

        moved = (int)received;
        var left = (int)(received - Math.Max(sent, 0));
        if (left > 0)
        {
            var pending = ArrayPool<byte>.Shared.Rent(left);
            buffer.AsSpan((int)received - left, left).CopyTo(pending);
            (flow.Pending, flow.PendingOffset, flow.PendingCount) = (pending, 0, left);
            return MoveResult.Blocked;
        }

        // A read shorter than asked took everything the socket had queued; bytes that arrive later raise a new edge.
        return received < buffer.Length ? MoveResult.Drained : MoveResult.MovedChunk;
    }

    /// <summary>Reads exactly what the pipe holds; false when it gives back less (the bytes would be lost).</summary>
    private static bool DrainPipe(SplicePipe pipe, Span<byte> into)
    {
        var total = 0;
        while (total < into.Length)
        {
            var read = LinuxSockets.Read(pipe.ReadFd, into[total..]);
            if (read <= 0)
            {
                return false;
            }

            total += (int)read;
        }

        return true;
    }

    private void DiscardPipe()
    {
        if (_pipe is not null)
        {
            SplicePipe.Return(_pipe, empty: false);
            _pipe = null;
        }
    }
}
