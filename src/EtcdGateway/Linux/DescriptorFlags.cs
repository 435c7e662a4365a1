namespace EtcdGateway.Linux;

/// <summary>
/// The flags every descriptor the gateway opens gets: O_NONBLOCK and O_CLOEXEC (SOCK_NONBLOCK, EFD_NONBLOCK and
/// SOCK_CLOEXEC, EPOLL_CLOEXEC, EFD_CLOEXEC share their values).
/// </summary>
internal static class DescriptorFlags
{
    public const int NonBlock = 0x800;
    public const int CloseOnExec = 0x80000;
}
