using System.Net;
using System.Net.Sockets;
using System.Text;
using EtcdGateway.Grpc.Serving;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Grpc;

/// <summary>The transport hands each connection on the shared socket to Kestrel's endpoint for its protocol.</summary>
public sealed class SharedPortTransportTests : IAsyncDisposable
{
    private readonly Socket _listen = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly JsonLogger _logger = new(Stream.Null, LogLevel.Error, TimeProvider.System);
    private readonly SharedPortTransport _transport;

    public SharedPortTransportTests()
    {
        _listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listen.Listen(16);
        _transport = new SharedPortTransport(_listen, tls: false, _logger, TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await _transport.DisposeAsync();
        _listen.Dispose();
        _logger.Dispose();
    }

    [Fact]
    public async Task Connections_Go_To_The_Listener_Of_Their_Protocol()
    {
        Assert.False(_transport.CanBind(new IPEndPoint(IPAddress.Loopback, 1)));
        var http2 = await _transport.BindAsync(new SharedPortEndPoint(SharedPortProtocol.Http2, _listen.LocalEndPoint!));
        var http1 = await _transport.BindAsync(new SharedPortEndPoint(SharedPortProtocol.Http1, _listen.LocalEndPoint!));

        using var grpcClient = await ConnectAndSendAsync(PrefaceSniffer.Http2Preface.ToArray());
        using var curl = await ConnectAndSendAsync(Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\n\r\n"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var h2 = await http2.AcceptAsync(timeout.Token);
        await using var h1 = await http1.AcceptAsync(timeout.Token);
        Assert.Equal(grpcClient.LocalEndPoint, h2!.RemoteEndPoint);
        Assert.Equal(curl.LocalEndPoint, h1!.RemoteEndPoint);

        // What the client sent is still there for Kestrel to read.
        var read = await h1.Transport.Input.ReadAsync(timeout.Token);
        Assert.StartsWith("GET /health", Encoding.ASCII.GetString(read.Buffer.FirstSpan), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_Tls_Every_Connection_Goes_To_The_Tls_Share_At_Once_Without_Waiting_For_Bytes()
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(16);
        await using var transport = new SharedPortTransport(listen, tls: true, _logger, TimeProvider.System);
        Assert.Equal([SharedPortProtocol.Tls], transport.Shares);
        var tls = await transport.BindAsync(new SharedPortEndPoint(SharedPortProtocol.Tls, listen.LocalEndPoint!));

        // A TLS client speaks first too, but nothing may be judged from its bytes: Kestrel's handshake takes them.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(listen.LocalEndPoint!);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var accepted = await tls.AcceptAsync(timeout.Token);
        Assert.Equal(silent.LocalEndPoint, accepted!.RemoteEndPoint);
    }

    [Fact]
    public async Task Stopping_Ends_The_Accept_Loop_Cleanly()
    {
        await _transport.BindAsync(new SharedPortEndPoint(SharedPortProtocol.Http2, _listen.LocalEndPoint!));
        await _transport.BindAsync(new SharedPortEndPoint(SharedPortProtocol.Http1, _listen.LocalEndPoint!));
        await _transport.StopAcceptingAsync();
        Assert.True(await _transport.AcceptEnded.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    private async Task<Socket> ConnectAndSendAsync(byte[] bytes)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(_listen.LocalEndPoint!);
        await client.SendAsync(bytes);
        return client;
    }
}
