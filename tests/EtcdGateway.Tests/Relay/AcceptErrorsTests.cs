using System.Net.Sockets;
using EtcdGateway.Linux;
using EtcdGateway.Relay;

namespace EtcdGateway.Tests.Relay;

public class AcceptErrorsTests
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
        Assert.Equal(expected, AcceptErrors.Classify(error));

    [Fact]
    public void UnknownErrors_AreBackedOffFrom_NeverFatal() =>
        Assert.Equal(AcceptErrorKind.ResourcePressure, AcceptErrors.Classify((SocketError)123456));

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
        Assert.Equal(expected, AcceptErrors.Classify(SocketErrors.FromErrno(errno)));
}
