using System.Runtime.InteropServices;

namespace EtcdGateway.Linux;

/// <summary>
/// The Linux calls the zero-copy relays need besides socket calls: pipe2 and splice (without marshalling stubs, like
/// <see cref="LinuxSockets"/>, which also has read and close).
/// </summary>
internal static unsafe class LinuxSplice
{

    private const uint SpliceMove = 1;
    private const uint SpliceNonBlock = 2;

    private const int SetPipeSize = 1031;

    /// <summary>
    /// Opens a non-blocking pipe, asking for <paramref name="capacity"/> bytes (the kernel may give less: pipe-max-size,
    /// or the user's pipe quota). Returns false with errno when the process is out of descriptors.
    /// </summary>
    public static bool TryOpenPipe(int capacity, out int readFd, out int writeFd, out int errno)
    {
        var fds = stackalloc int[2];
        if (Pipe2(fds, DescriptorFlags.NonBlock | DescriptorFlags.CloseOnExec) != 0)
        {
            errno = Marshal.GetLastSystemError();
            readFd = writeFd = -1;
            return false;
        }

        errno = 0;
        (readFd, writeFd) = (fds[0], fds[1]);
        _ = Fcntl(writeFd, SetPipeSize, capacity);
        return true;
    }

    /// <summary>Moves up to <paramref name="length"/> bytes without copying them through user space; -errno on failure.</summary>
    public static long Splice(int from, int to, int length)
    {
        while (true)
        {
            var moved = SpliceCall(from, null, to, null, (nuint)length, SpliceMove | SpliceNonBlock);
            if (moved >= 0)
            {
                return moved;
            }

            var errno = Marshal.GetLastSystemError();
            if (errno != Errno.EINTR)
            {
                return -errno;
            }
        }
    }

    [DllImport("libc", EntryPoint = "pipe2")]
    private static extern int Pipe2(int* fds, int flags);

    [DllImport("libc", EntryPoint = "fcntl")]
    private static extern int Fcntl(int fd, int command, int argument);

    [DllImport("libc", EntryPoint = "splice")]
    private static extern long SpliceCall(int fdIn, long* offIn, int fdOut, long* offOut, nuint length, uint flags);
}
