using System.Buffers;
using System.Net.Sockets;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Relay;

/// <summary>
/// The Linux relay for one direction: bytes go socket → pipe → socket with splice(2), never through user space (as
/// etcd's Go gateway does). A zero-byte receive is the readiness signal, so an idle connection holds neither buffer nor
/// pipe. When the destination cannot take more, what sits in the pipe is read out and sent the ordinary way, which waits
/// for the destination (back-pressure as in the copy loop: at most one pipe's worth, 256 KiB, per direction).
/// Used with <c>ETCD_GATEWAY_RELAY=splice</c> (the default Linux engine is <see cref="Epoll.EpollGateway"/>); set
/// <c>ETCD_GATEWAY_RELAY=copy</c> to use the portable copy loop instead (for comparison).
/// </summary>
internal static class SplicePump
{
    /// <summary>The most one call moves: what a pipe holds.</summary>
    private const int ChunkSize = SplicePipe.Capacity;

    /// <summary>
    /// Chunks moved in one go before giving other connections a turn: socket completions may run inline on the I/O thread,
    /// and one fast bulk sender must not hold it.
    /// </summary>
    private const int ChunksPerTurn = 4;

    public static bool IsSupported { get; } =
        OperatingSystem.IsLinux() && RelayEngineSettings.Relay is not "copy";

    /// <summary>Same contract as <see cref="BytePump.RunAsync"/>: the bytes moved once the source reached end of stream.</summary>
    public static async Task<long> RunAsync(Socket source, Socket destination, EndpointStats stats, bool fromClient)
    {
        long copied = 0;
        while (true)
        {
            await source.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
            var batch = MoveReadable(source, destination, stats, fromClient);
            if (batch.NoPipe)
            {
                var (moved, ended) = await CopyOnceAsync(source, destination, stats, fromClient);
                copied += moved;
                if (ended)
                {
                    return copied;
                }

                continue;
            }

            copied += batch.Moved;
            if (batch.Leftover is { } leftover)
            {
                try
                {
                    await SendAllAsync(destination, leftover.AsMemory(0, batch.LeftoverCount));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(leftover);
                }
            }

            if (batch.Ended)
            {
                return copied;
            }

            if (batch.TurnUsed)
            {
                await Task.Yield();
            }
        }
    }

    /// <summary>Moves what can be moved now without waiting. Throws <see cref="SocketException"/> for a failed socket.</summary>
    private static Batch MoveReadable(Socket source, Socket destination, EndpointStats stats, bool fromClient)
    {
        var pipe = SplicePipe.Rent();
        if (pipe is null)
        {
            // Out of descriptors for a pipe: the caller copies this batch through a buffer instead.
            return new Batch(0, false, null, 0, NoPipe: true);
        }

        var empty = false;
        var sourceHandle = source.SafeHandle;
        var destinationHandle = destination.SafeHandle;
        bool sourceAdded = false, destinationAdded = false;
        try
        {
            // Hold both descriptors: an abort racing with us must not let their numbers be reused mid-call.
            sourceHandle.DangerousAddRef(ref sourceAdded);
            destinationHandle.DangerousAddRef(ref destinationAdded);
            var from = (int)sourceHandle.DangerousGetHandle();
            var to = (int)destinationHandle.DangerousGetHandle();
            long moved = 0;
            for (var chunk = 0; ; chunk++)
            {
                if (chunk == ChunksPerTurn)
                {
                    empty = true;
                    return new Batch(moved, false, null, 0, TurnUsed: true);
                }

                var received = LinuxSplice.Splice(from, pipe.WriteFd, ChunkSize);
                if (received == 0)
                {
                    empty = true;
                    return new Batch(moved, true, null, 0);
                }

                if (received == -LinuxSplice.EAGAIN)
                {
                    empty = true;
                    return new Batch(moved, false, null, 0);
                }

                if (received < 0)
                {
                    throw LinuxSplice.SocketError(received);
                }

                var inPipe = (int)received;
                while (inPipe > 0)
                {
                    var sent = LinuxSplice.Splice(pipe.ReadFd, to, inPipe);
                    if (sent == -LinuxSplice.EAGAIN)
                    {
                        // The destination is full: take the rest out of the pipe and let the caller wait to send it.
                        var leftover = ArrayPool<byte>.Shared.Rent(inPipe);
                        DrainPipe(pipe, leftover.AsSpan(0, inPipe));
                        empty = true;
                        stats.AddBytes(fromClient, (int)received);
                        return new Batch(moved + received, false, leftover, inPipe);
                    }

                    if (sent < 0)
                    {
                        throw LinuxSplice.SocketError(sent);
                    }

                    inPipe -= (int)sent;
                }

                moved += received;
                stats.AddBytes(fromClient, (int)received);

                // A short read means the socket is drained for now: skip the call that would only say EAGAIN.
                if (received < ChunkSize)
                {
                    empty = true;
                    return new Batch(moved, false, null, 0);
                }
            }
        }
        finally
        {
            if (sourceAdded)
            {
                sourceHandle.DangerousRelease();
            }

            if (destinationAdded)
            {
                destinationHandle.DangerousRelease();
            }

            SplicePipe.Return(pipe, empty);
        }
    }

    /// <summary>Reads exactly what the pipe holds; a pipe that gives back less would lose bytes, so that aborts the connection.</summary>
    private static void DrainPipe(SplicePipe pipe, Span<byte> into)
    {
        var total = 0;
        while (total < into.Length)
        {
            var read = Epoll.LinuxSockets.Read(pipe.ReadFd, into[total..]);
            if (read <= 0)
            {
                throw new SocketException((int)SocketError.SocketError);
            }

            total += (int)read;
        }
    }

    /// <summary>One receive into a buffer and its send: the way through when no pipe can be had. True at end of stream.</summary>
    private static async Task<(long Moved, bool Ended)> CopyOnceAsync(Socket source, Socket destination, EndpointStats stats, bool fromClient)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BytePump.BufferSize);
        try
        {
            var received = await source.ReceiveAsync(buffer.AsMemory(0, BytePump.BufferSize), SocketFlags.None);
            if (received == 0)
            {
                return (0, true);
            }

            await SendAllAsync(destination, buffer.AsMemory(0, received));
            stats.AddBytes(fromClient, received);
            return (received, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task SendAllAsync(Socket destination, Memory<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            var sent = await destination.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    /// <summary>What one synchronous batch did: bytes moved, whether the source ended, and bytes still to send.</summary>
    private readonly record struct Batch(long Moved, bool Ended, byte[]? Leftover, int LeftoverCount, bool NoPipe = false, bool TurnUsed = false);
}
