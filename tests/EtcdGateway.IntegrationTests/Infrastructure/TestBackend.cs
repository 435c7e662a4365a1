using System.Net;
using System.Net.Sockets;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>A scriptable TCP server on a free loopback port, standing in for an endpoint in relay tests.</summary>
public sealed class TestBackend : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, Task> _serve;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Task _acceptLoop;

    private TestBackend(Socket listener, Func<Socket, Task> serve)
    {
        _listener = listener;
        _serve = serve;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary><c>host:port</c> as the gateway's --endpoints takes it (IPv6 in brackets).</summary>
    public string Address => _listener.LocalEndPoint!.ToString()!;

    public int AcceptedCount
    {
        get
        {
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }
    }

    /// <summary>Starts a backend that runs <paramref name="serve"/> for every accepted connection, on 127.0.0.1 unless told otherwise.</summary>
    public static TestBackend Start(Func<Socket, Task> serve, int? port = null, IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, port ?? 0));
        listener.Listen(4096); // as etcd does (Go listens with the system maximum, somaxconn)
        return new TestBackend(listener, serve);
    }

    /// <summary>Echoes every byte back and passes on end-of-stream.</summary>
    public static TestBackend Echo() => Start(async socket =>
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer);
            if (n == 0)
            {
                socket.Shutdown(SocketShutdown.Send);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, n));
        }
    });

    /// <summary>Writes <paramref name="greeting"/> as soon as a connection arrives, then reads until the client is done.</summary>
    public static TestBackend Greeting(string greeting, IPAddress? address = null) => Start(address: address, serve: async socket =>
    {
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(greeting));
        var buffer = new byte[4096];
        while (await socket.ReceiveAsync(buffer) > 0)
        {
        }

        socket.Shutdown(SocketShutdown.Send);
    }, port: null);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stop.Token);
            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    await _serve(socket);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // The test under way decides what a broken connection means.
                }
            });
        }
    }
}
