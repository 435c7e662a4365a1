using EtcdGateway.Grpc.Serving;

namespace EtcdGateway.Tests.Grpc.Serving;

/// <summary>The server's keep-alive ping flags as etcd's gRPC-Go server reads them, in Kestrel's terms.</summary>
public class ServerKeepAliveTests
{
    [Theory]
    [InlineData(7200, 7200)]
    [InlineData(30, 30)]
    [InlineData(0, 7200)]
    public void PingDelay_IsTheInterval_AndZeroIsGrpcsDefault_NotOff(int seconds, int expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), ServerKeepAlive.PingDelay(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(20, 20)]
    [InlineData(3, 3)]
    [InlineData(0, 20)]
    public void PingTimeout_IsTheTimeout_AndZeroIsGrpcsDefault(int seconds, int expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), ServerKeepAlive.PingTimeout(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void UnderASecond_IsRaisedToOne_AsBothGrpcGoAndKestrelRequire()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), ServerKeepAlive.PingDelay(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(TimeSpan.FromSeconds(1), ServerKeepAlive.PingTimeout(TimeSpan.FromMilliseconds(200)));
    }
}
