using EtcdGateway.Discovery;

namespace EtcdGateway.Tests.Discovery;

public class SrvEndpointRefresherTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 5)]
    [InlineData(5, 5)]
    [InlineData(30, 30)]
    [InlineData(300, 300)]
    [InlineData(86_400, 300)]
    public void Records_Are_Asked_For_Again_When_They_Expire_Clamped_To_5s_To_5min(int ttlSeconds, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), SrvEndpointRefresher.NextInterval(TimeSpan.FromSeconds(ttlSeconds)));

    [Fact]
    public void An_Answer_That_Never_Expires_Is_Still_Asked_For_Every_5_Minutes() =>
        Assert.Equal(SrvEndpointRefresher.MaximumInterval, SrvEndpointRefresher.NextInterval(TimeSpan.MaxValue));
}
