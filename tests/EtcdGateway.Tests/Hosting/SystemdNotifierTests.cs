using System.Net.Sockets;
using System.Text;
using EtcdGateway.Hosting;

namespace EtcdGateway.Tests.Hosting;

public class SystemdNotifierTests
{
    [Fact]
    public void Notify_SendsTheStateAsADatagram_ToTheSocketPath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"notify-{Guid.NewGuid():N}.sock");
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint(path));
        try
        {
            Assert.True(new SystemdNotifier(path).Notify("READY=1"));
            var buffer = new byte[64];
            receiver.ReceiveTimeout = 5000;
            var count = receiver.Receive(buffer);
            Assert.Equal("READY=1", Encoding.UTF8.GetString(buffer, 0, count));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Notify_ReachesAbstractSockets_SpelledWithAt()
    {
        var name = $"etcd-gateway-test-{Guid.NewGuid():N}";
        using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        receiver.Bind(new UnixDomainSocketEndPoint("\0" + name));
        Assert.True(new SystemdNotifier("@" + name).Notify("STOPPING=1"));
        var buffer = new byte[64];
        receiver.ReceiveTimeout = 5000;
        var count = receiver.Receive(buffer);
        Assert.Equal("STOPPING=1", Encoding.UTF8.GetString(buffer, 0, count));
    }

    [Fact]
    public void Notify_IsANoOp_WithoutNotifySocket() =>
        Assert.False(new SystemdNotifier(null).Notify("READY=1"));

    [Fact]
    public void Notify_NeverThrows_WhenNobodyListens() =>
        Assert.False(new SystemdNotifier("/nonexistent/notify.sock").Notify("READY=1"));
}
