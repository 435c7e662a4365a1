using System.Net.Sockets;
using EtcdGateway.Linux;

namespace EtcdGateway.Tests.Linux;

public class SocketErrorsTests
{
    [Theory]
    [InlineData(SocketError.TooManyOpenSockets, true)]
    [InlineData(SocketError.AddressNotAvailable, true)]
    [InlineData(SocketError.ConnectionRefused, false)]
    [InlineData(SocketError.TimedOut, false)]
    [InlineData(SocketError.HostUnreachable, false)]
    public void LocalShortages_AreNotBlamedOnTheEndpoint(SocketError error, bool local) =>
        Assert.Equal(local, SocketErrors.IsLocalResourceShortage(error));

    [Fact]
    public void Describe_ReadsLikeGo() =>
        Assert.Equal("connection refused", SocketErrors.Describe(new SocketException((int)SocketError.ConnectionRefused)));

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
