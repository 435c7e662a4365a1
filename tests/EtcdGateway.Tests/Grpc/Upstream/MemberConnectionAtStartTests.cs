using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Grpc.Upstream;

/// <summary>The members' connections opened at start (<see cref="MemberChannels.OpenConnectionsAsync"/>), before any call.</summary>
public sealed class MemberConnectionAtStartTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_Members_Connection_Is_Opened_With_An_Http2_Health_Check_Before_Any_Call()
    {
        using var member = new TcpListener(IPAddress.Loopback, 0);
        member.Start();
        var port = ((IPEndPoint)member.LocalEndpoint).Port;
        using var channels = Channels(port, out var endpoint);

        var opening = channels.OpenConnectionsAsync([endpoint]);
        using var connection = await member.AcceptSocketAsync().WaitAsync(Patience);

        // The HTTP/2 client preface, then (after its SETTINGS frame) the health check's request headers.
        var received = await ReadAtLeastAsync(connection, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".Length);
        Assert.StartsWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Encoding.ASCII.GetString(received));

        // The member goes away without answering: opening gives up quietly, as a call would dial again.
        connection.Close();
        await opening.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_Member_That_Cannot_Be_Reached_Costs_Nothing()
    {
        // A port nothing listens on: the dial is refused.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var channels = Channels(port, out var endpoint);

        await channels.OpenConnectionsAsync([endpoint]).WaitAsync(Patience);
    }

    private static MemberChannels Channels(int port, out Endpoint endpoint)
    {
        endpoint = new Endpoint(new EndpointAddress("127.0.0.1", port), [IPAddress.Loopback]);
        var (_, options) = GrpcProxyConfiguration.Load(FlagParser.Parse([], GrpcProxyFlags.All));
        var logger = new JsonLogger(Stream.Null, LogLevel.Info, TimeProvider.System);
        return new MemberChannels(
            new EndpointRegistry([endpoint], TimeProvider.System), options, new MemberTls(options.ClusterTls, logger, TimeProvider.System),
            () => TimeSpan.FromSeconds(2), new UpstreamCallMetrics(), TimeProvider.System);
    }

    private static async Task<byte[]> ReadAtLeastAsync(Socket connection, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await connection.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(Patience);
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }
}
