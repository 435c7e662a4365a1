using System.Net;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

public class EndpointSnapshotTests
{
    private static Endpoint Make(int port) => new(new EndpointAddress("127.0.0.1", port), [IPAddress.Loopback]);

    private static EndpointStatus Status(int port, bool available, EndpointHealth health) =>
        new(Make(port), available, DateTimeOffset.UnixEpoch, null) { Health = health };

    [Fact]
    public void Routable_IsTheAvailableSet_WhenAnythingIsAvailable()
    {
        var snapshot = new EndpointSnapshot([Status(1, false, EndpointHealth.Answering), Status(2, true, EndpointHealth.Healthy)]);
        Assert.Equal([2], snapshot.Routable.Select(e => e.Address.Port));
        Assert.False(snapshot.IsPanic);
    }

    [Fact]
    public void Panic_PrefersEndpointsThatStillAnswer_OverOnesThatOnlyAcceptTcp()
    {
        var snapshot = new EndpointSnapshot([
            Status(1, false, EndpointHealth.AcceptsTcp), Status(2, false, EndpointHealth.Answering), Status(3, false, EndpointHealth.Unreachable)]);
        Assert.True(snapshot.IsPanic);
        Assert.Equal([2], snapshot.Routable.Select(e => e.Address.Port));
    }

    [Fact]
    public void Panic_FallsBackToEndpointsThatAcceptTcp()
    {
        var snapshot = new EndpointSnapshot([Status(1, false, EndpointHealth.AcceptsTcp), Status(2, false, EndpointHealth.Unreachable)]);
        Assert.True(snapshot.IsPanic);
        Assert.Equal([1], snapshot.Routable.Select(e => e.Address.Port));
    }

    [Fact]
    public void NothingReachable_IsNotPanic_AndRoutesNowhere()
    {
        var snapshot = new EndpointSnapshot([Status(1, false, EndpointHealth.Unreachable), Status(2, false, EndpointHealth.Unknown)]);
        Assert.False(snapshot.IsPanic);
        Assert.Empty(snapshot.Routable);
    }
}
