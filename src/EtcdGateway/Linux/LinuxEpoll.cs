using System.Runtime.InteropServices;

namespace EtcdGateway.Linux;

/// <summary>
/// epoll and eventfd, as the event loop uses them. Results are the value or -errno, as in <see cref="LinuxSockets"/> (and
/// like it, without marshalling stubs). The event arrays are pinned (allocated on the pinned heap): the kernel writes
/// into them while the loop's thread waits, when a collection could otherwise move them.
/// </summary>
internal static unsafe class LinuxEpoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Error = 0x008;
    public const uint HangUp = 0x010;
    public const uint ReadHangUp = 0x2000;
    public const uint Exclusive = 1u << 28;
    public const uint EdgeTriggered = 1u << 31;

    private const int CtlAdd = 1;
    private const int CtlDelete = 2;
    private const int CtlModify = 3;

    /// <summary>
    /// struct epoll_event is packed on x86-64 (12 bytes: events, then the 64-bit data at offset 4) and naturally aligned
    /// elsewhere (16 bytes, data at offset 8).
    /// </summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    private static readonly int DataOffset = EventSize == 12 ? 4 : 8;

    public static int Create() => Result(EpollCreate1(DescriptorFlags.CloseOnExec));

    /// <summary>A buffer for <paramref name="count"/> events (or, with 1, for one epoll_ctl call) that never moves.</summary>
    public static byte[] NewEventBuffer(int count) => GC.AllocateArray<byte>(count * EventSize, pinned: true);

    public static int CreateWakeUp() => Result(EventFd(0, DescriptorFlags.NonBlock | DescriptorFlags.CloseOnExec));

    public static int Add(int epoll, int fd, uint events, ulong token, byte[] scratch) => Control(epoll, CtlAdd, fd, events, token, scratch);

    public static int Modify(int epoll, int fd, uint events, ulong token, byte[] scratch) => Control(epoll, CtlModify, fd, events, token, scratch);

    public static int Delete(int epoll, int fd, byte[] scratch) => Control(epoll, CtlDelete, fd, 0, 0, scratch);

    /// <summary>Waits for events into <paramref name="events"/> (room for its length / <see cref="EventSize"/>); the count or -errno.</summary>
    public static int Wait(int epoll, byte[] events, int timeoutMilliseconds)
    {
        var count = EpollWait(epoll, (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(events, 0), events.Length / EventSize, timeoutMilliseconds);
        return count >= 0 ? count : -Marshal.GetLastSystemError();
    }

    public static uint EventsAt(byte[] events, int index) => BitConverter.ToUInt32(events, index * EventSize);

    public static ulong TokenAt(byte[] events, int index) => BitConverter.ToUInt64(events, (index * EventSize) + DataOffset);

    /// <summary>Makes the eventfd readable (wakes the loop); never blocks.</summary>
    public static void Signal(int eventFd)
    {
        var one = 1UL;
        _ = WriteCall(eventFd, &one, sizeof(ulong));
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
        return EpollCtl(epoll, op, fd, (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(scratch, 0)) == 0 ? 0 : -Marshal.GetLastSystemError();
    }

    private static int Result(int value) => value >= 0 ? value : -Marshal.GetLastSystemError();

    [DllImport("libc", EntryPoint = "epoll_create1")]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl")]
    private static extern int EpollCtl(int epoll, int op, int fd, byte* epollEvent);

    [DllImport("libc", EntryPoint = "epoll_wait")]
    private static extern int EpollWait(int epoll, byte* events, int maxEvents, int timeout);

    [DllImport("libc", EntryPoint = "eventfd")]
    private static extern int EventFd(uint initial, int flags);

    [DllImport("libc", EntryPoint = "write")]
    private static extern long WriteCall(int fd, void* buffer, nuint count);
}
