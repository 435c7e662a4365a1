using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EtcdGateway.Discovery.Dns;

namespace EtcdGateway.Tests.Discovery.Dns;

/// <summary>
/// A nameserver on 127.0.0.1, UDP and TCP on the same free port, that sends back whatever the test's handler returns
/// for each query (nothing: it stays silent; several packets: it sends them all, in order).
/// </summary>
internal sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly Func<FakeDnsQuery, IEnumerable<byte[]>> _handler;
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    public FakeDnsServer(Func<FakeDnsQuery, IEnumerable<byte[]>> handler)
    {
        _handler = handler;

        // The kernel picks a free UDP port; TCP on the same number is nearly always free too, else pick again.
        for (var tries = 1; ; tries++)
        {
            _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            EndPoint = (IPEndPoint)_udp.LocalEndPoint!;
            _tcp = new TcpListener(EndPoint);
            try
            {
                _tcp.Start();
                break;
            }
            catch (SocketException) when (tries < 20)
            {
                _udp.Dispose();
            }
        }

        _serving = Task.WhenAll(ServeUdpAsync(), ServeTcpAsync());
    }

    public IPEndPoint EndPoint { get; }

    public ConcurrentQueue<FakeDnsQuery> Queries { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _udp.Dispose();
        _tcp.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stopping.Dispose();
    }

    private async Task ServeUdpAsync()
    {
        var buffer = new byte[65535];
        while (!_stopping.IsCancellationRequested)
        {
            var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stopping.Token);
            var query = new FakeDnsQuery(DnsMessageReader.Parse(buffer.AsSpan(0, received.ReceivedBytes)), (IPEndPoint)received.RemoteEndPoint, false);
            Queries.Enqueue(query);
            foreach (var packet in _handler(query))
            {
                await _udp.SendToAsync(packet, SocketFlags.None, query.Client, _stopping.Token);
            }
        }
    }

    private async Task ServeTcpAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            using var client = await _tcp.AcceptTcpClientAsync(_stopping.Token);
            var stream = client.GetStream();
            var length = new byte[2];
            await stream.ReadExactlyAsync(length, _stopping.Token);
            var bytes = new byte[BinaryPrimitives.ReadUInt16BigEndian(length)];
            await stream.ReadExactlyAsync(bytes, _stopping.Token);
            var query = new FakeDnsQuery(DnsMessageReader.Parse(bytes), (IPEndPoint)client.Client.RemoteEndPoint!, true);
            Queries.Enqueue(query);
            foreach (var packet in _handler(query))
            {
                BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)packet.Length);
                await stream.WriteAsync(length, _stopping.Token);
                await stream.WriteAsync(packet, _stopping.Token);
            }
        }
    }
}
