using System.Runtime.InteropServices;

namespace EtcdGateway.Relay.Epoll;

/// <summary>epoll and eventfd, as the event loop uses them. Results are the value or -errno, as in <see cref="LinuxSockets"/>.</summary>
internal static class LinuxEpoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint Exclusive = 1u << 28;
    public const uint EdgeTriggered = 1u << 31;

    private const int CtlAdd = 1;
    private const int CtlDelete = 2;
    private const int CtlModify = 3;
    private const int CloseOnExec = 0x80000;
    private const int NonBlock = 0x800;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes: events, then the 64-bit data at offset 4) and naturally aligned
    /// elsewhere (16 bytes, data at offset 8).
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    public static int Create() => Result(EpollCreate1(CloseOnExec));

    public static int CreateWakeUp() => Result(EventFd(0, NonBlock | CloseOnExec));

    public static int Add(int epoll, int fd, uint events, ulong token, byte[] scratch) => Control(epoll, CtlAdd, fd, events, token, scratch);

    public static int Modify(int epoll, int fd, uint events, ulong token, byte[] scratch) => Control(epoll, CtlModify, fd, events, token, scratch);

    public static int Delete(int epoll, int fd, byte[] scratch) => Control(epoll, CtlDelete, fd, 0, 0, scratch);

    /// <summary>Waits for events into <paramref name="events"/> (room for its length / <see cref="EventSize"/>); the count or -errno.</summary>
    public static int Wait(int epoll, byte[] events, int timeoutMilliseconds)
    {
        var count = EpollWait(epoll, events, events.Length / EventSize, timeoutMilliseconds);
        return count >= 0 ? count : -Marshal.GetLastPInvokeError();
    }

    public static uint EventsAt(byte[] events, int index) => BitConverter.ToUInt32(events, index * EventSize);

    public static ulong TokenAt(byte[] events, int index) => BitConverter.ToUInt64(events, (index * EventSize) + DataOffset);

    /// <summary>Makes the eventfd readable (wakes the loop); never blocks.</summary>
    public static void Signal(int eventFd)
    {
        Span<byte> one = stackalloc byte[8];
        BitConverter.TryWriteBytes(one, 1UL);
        _ = WriteCall(eventFd, ref MemoryMarshal.GetReference(one), 8);
    }

    /// <summary>Resets the eventfd's count so the next signal wakes the loop again.</summary>
    public static void Drain(int eventFd)
    {
        Span<byte> count = stackalloc byte[8];
        _ = LinuxSockets.Read(eventFd, count);
    }

    private static int Control(int epoll, int op, int fd, uint events, ulong token, byte[] scratch)
    {
        BitConverter.TryWriteBytes(scratch.AsSpan(0, 4), events);
        BitConverter.TryWriteBytes(scratch.AsSpan(DataOffset, 8), token);
        return EpollCtl(epoll, op, fd, scratch) == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    private static int Result(int value) => value >= 0 ? value : -Marshal.GetLastPInvokeError();

    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int EpollCtl(int epoll, int op, int fd, byte[] epollEvent);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern int EpollWait(int epoll, byte[] events, int maxEvents, int timeout);

    [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static extern int EventFd(uint initial, int flags);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern long WriteCall(int fd, ref byte buffer, nuint count);
}
