using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace EtcdGateway.Tests.Endpoints;

/// <summary>
/// A stand-in member on 127.0.0.1: each connection (TLS with <paramref name="certificate"/> when given) gets
/// <paramref name="head"/>, then <paramref name="bodyBytes"/> bytes of 'x', then the connection is closed. With
/// <paramref name="clientCertificateCheck"/> a TLS client must present a certificate that passes it.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly SslStreamCertificateContext? _certificate;
    private readonly string _head;
    private readonly long _bodyBytes;
    private readonly RemoteCertificateValidationCallback? _clientCertificateCheck;

    public LoopbackHttpServer(string head, long bodyBytes, SslStreamCertificateContext? certificate = null, RemoteCertificateValidationCallback? clientCertificateCheck = null)
    {
        _clientCertificateCheck = clientCertificateCheck;
        _head = head;
        _bodyBytes = bodyBytes;
        _certificate = certificate;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A 200 answer with a Content-Length, as etcd sends.</summary>
    public static string Ok(long length) => $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n";

    /// <summary>A 200 answer whose body runs until the connection closes: no length to refuse it by in advance.</summary>
    public const string OkUntilClose = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            Stream stream = network;
            if (_certificate is not null)
            {
                var tls = new SslStream(network);
                stream = tls;
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _certificate,
                    ClientCertificateRequired = _clientCertificateCheck is not null,
                    RemoteCertificateValidationCallback = _clientCertificateCheck,
                }, _stop.Token);
            }

            await using (stream)
            {
                await ReadHeadAsync(stream);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(_head), _stop.Token);
                var chunk = new byte[64 * 1024];
                Array.Fill(chunk, (byte)'x');
                for (var left = _bodyBytes; left > 0; left -= chunk.Length)
                {
                    await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // The client may hang up at any point (a refused certificate, a body it stops reading): that is the point.
        }
    }

    /// <summary>Reads up to the blank line after the headers, and a request body by its Content-Length.</summary>
    private async Task ReadHeadAsync(Stream stream)
    {
        var seen = new StringBuilder();
        var one = new byte[1];
        while (!seen.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return;
            }

            seen.Append((char)one[0]);
        }

        var length = seen.ToString().Split("\r\n")
            .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        await stream.ReadExactlyAsync(new byte[length], _stop.Token);
    }
}
