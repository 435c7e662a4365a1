using System.Net;
using System.Net.Sockets;
using System.Text;
using EtcdGateway.Grpc.Serving;

namespace EtcdGateway.Tests.Grpc;

/// <summary>One port, two protocols: the first bytes decide, and they stay for whoever reads the connection next.</summary>
public sealed class PrefaceSnifferTests : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public PrefaceSnifferTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(8);
    }

    public void Dispose() => _listener.Dispose();

    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04", "Http2")]
    [InlineData("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "Http1")]
    [InlineData("PUT /v3/kv/put HTTP/1.1\r\n\r\n", "Http1")]
    [InlineData("PRI * HTTP/1.1\r\n\r\n", "Http1")]
    [InlineData("\x16\x03\x01\x02\x00", "Http1")]
    public async Task First_Bytes_Decide_And_Stay_Unread(string sent, string protocol)
    {
        var expected = Enum.Parse<SharedPortProtocol>(protocol);
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            var bytes = Encoding.Latin1.GetBytes(sent);
            await client.SendAsync(bytes);

            Assert.Equal(expected, await PrefaceSniffer.SniffAsync(server, TimeProvider.System, Timeout()));

            var read = new byte[bytes.Length];
            var total = 0;
            while (total < read.Length)
            {
                total += await server.ReceiveAsync(read.AsMemory(total));
            }

            Assert.Equal(bytes, read);
        }
    }

    [Fact]
    public async Task A_Preface_Split_Across_Writes_Is_Still_Http2()
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            var preface = PrefaceSniffer.Http2Preface.ToArray();
            await client.SendAsync(preface.AsMemory(0, 5));
            var sniff = PrefaceSniffer.SniffAsync(server, TimeProvider.System, Timeout());
            await Task.Delay(50);
            Assert.False(sniff.IsCompleted);
            await client.SendAsync(preface.AsMemory(5));
            Assert.Equal(SharedPortProtocol.Http2, await sniff);
        }
    }

    [Fact]
    public async Task A_Client_That_Leaves_Without_A_Word_Decides_Nothing()
    {
        var (client, server) = await PairAsync();
        using (server)
        {
            client.Shutdown(SocketShutdown.Send);
            client.Dispose();
            Assert.Null(await PrefaceSniffer.SniffAsync(server, TimeProvider.System, Timeout()));
        }
    }

    [Fact]
    public async Task A_Silent_Client_Is_Bounded_By_The_Token()
    {
        var (client, server) = await PairAsync();
        using (client)
        using (server)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PrefaceSniffer.SniffAsync(server, TimeProvider.System, cancel.Token));
        }
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    private async Task<(Socket Client, Socket Server)> PairAsync()
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(_listener.LocalEndPoint!);
        return (client, await _listener.AcceptAsync());
    }
}
