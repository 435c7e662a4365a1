using System.Net.Sockets;
using EtcdGateway.Relay;

namespace EtcdGateway.Tests.Relay;

public class SocketErrorsTests
{
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets, AcceptErrorKind.ResourcePressure)]
    [InlineData(SocketError.NoBufferSpaceAvailable, AcceptErrorKind.ResourcePressure)]
    [InlineData(SocketError.ConnectionAborted, AcceptErrorKind.Transient)]
    [InlineData(SocketError.ConnectionReset, AcceptErrorKind.Transient)]
    [InlineData(SocketError.Interrupted, AcceptErrorKind.Transient)]
    [InlineData(SocketError.AccessDenied, AcceptErrorKind.Transient)] // EPERM: a firewall refused one peer
    [InlineData(SocketError.ProtocolOption, AcceptErrorKind.Transient)] // ENOPROTOOPT
    [InlineData(SocketError.SocketError, AcceptErrorKind.ResourcePressure)] // ENOMEM, EPROTO arrive unmapped
    [InlineData(SocketError.NotSocket, AcceptErrorKind.Fatal)]
    [InlineData(SocketError.InvalidArgument, AcceptErrorKind.Fatal)]
    [InlineData(SocketError.Fault, AcceptErrorKind.Fatal)]
    [InlineData(SocketError.OperationAborted, AcceptErrorKind.Fatal)]
    internal void AcceptErrors_AreTiered(SocketError error, AcceptErrorKind expected) =>
        Assert.Equal(expected, SocketErrors.ClassifyAcceptError(error));

    [Theory]
    [InlineData(SocketError.TooManyOpenSockets, true)]
    [InlineData(SocketError.AddressNotAvailable, true)]
    [InlineData(SocketError.ConnectionRefused, false)]
    [InlineData(SocketError.TimedOut, false)]
    [InlineData(SocketError.HostUnreachable, false)]
    public void LocalShortages_AreNotBlamedOnTheEndpoint(SocketError error, bool local) =>
        Assert.Equal(local, SocketErrors.IsLocalResourceShortage(error));

    [Fact]
    public void UnknownErrors_AreBackedOffFrom_NeverFatal() =>
        Assert.Equal(AcceptErrorKind.ResourcePressure, SocketErrors.ClassifyAcceptError((SocketError)123456));

    [Fact]
    public void Describe_ReadsLikeGo() =>
        Assert.Equal("connection refused", SocketErrors.Describe(new SocketException((int)SocketError.ConnectionRefused)));

    [Theory]
    [InlineData(24, AcceptErrorKind.ResourcePressure)] // EMFILE
    [InlineData(23, AcceptErrorKind.ResourcePressure)] // ENFILE
    [InlineData(105, AcceptErrorKind.ResourcePressure)] // ENOBUFS
    [InlineData(12, AcceptErrorKind.ResourcePressure)] // ENOMEM
    [InlineData(103, AcceptErrorKind.Transient)] // ECONNABORTED
    [InlineData(4, AcceptErrorKind.Transient)] // EINTR
    [InlineData(1, AcceptErrorKind.Transient)] // EPERM
    [InlineData(9, AcceptErrorKind.Fatal)] // EBADF
    [InlineData(22, AcceptErrorKind.Fatal)] // EINVAL: not listening
    [InlineData(88, AcceptErrorKind.Fatal)] // ENOTSOCK
    internal void RawAcceptErrnos_AreTieredLikeTheRuntimesErrors(int errno, AcceptErrorKind expected) =>
        Assert.Equal(expected, SocketErrors.ClassifyAcceptError(SocketErrors.FromErrno(errno)));

    [Theory]
    [InlineData(111, "connection refused")]
    [InlineData(104, "connection reset by peer")]
    [InlineData(110, "i/o timeout")]
    [InlineData(113, "no route to host")]
    [InlineData(24, "too many open files")]
    public void RawErrnos_ReadLikeGo(int errno, string expected) => Assert.Equal(expected, SocketErrors.DescribeErrno(errno));

    [Fact]
    public void UnmappedErrnos_StillGetTheSystemsText() =>
        Assert.Equal("no such device", SocketErrors.DescribeErrno(19)); // ENODEV
}
