using System.Net.Security;
using System.Net.Sockets;
using System.Net;
using System.Security.Authentication;
using System.Text;
using EtcdGateway.Logging;

namespace EtcdGateway.Endpoints;

/// <summary>
/// Small HTTP/1.1 exchanges with one specific endpoint (health probes, member-list sync). It dials through our own
/// dialer so the request reaches exactly that endpoint's addresses, uses a fresh connection each time (a probe must
/// prove new connections work), and speaks TLS to TLS endpoints, verified by <see cref="PeerCertificateValidator"/>.
/// The certificate and CA files are read when the client is made; a reload makes a new one.
/// </summary>
internal sealed class EndpointHttpClient : IDisposable
{
    private static readonly HttpRequestOptionsKey<Endpoint> EndpointKey = new("etcd-gateway.endpoint");
    private static readonly HttpRequestOptionsKey<bool> ConnectedKey = new("etcd-gateway.connected");
    private static readonly HttpRequestOptionsKey<string> RejectionKey = new("etcd-gateway.certificate-rejection");

    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly PeerCertificateValidator _validator;
    private readonly SslStreamCertificateContext? _clientCertificate;
    private readonly string? _alternativeName;

    /// <param name="insecureSkipVerify">Accept any certificate from the endpoint (the proxy's <c>--insecure-skip-tls-verify</c>).</param>
    public EndpointHttpClient(
        TimeSpan timeout, TimeProvider time, string? caCertFile = null, string? certFile = null, string? keyFile = null, string? alternativeName = null,
        bool insecureSkipVerify = false)
    {
        _time = time;
        _timeout = timeout;
        _alternativeName = alternativeName;
        _validator = insecureSkipVerify ? PeerCertificateValidator.AcceptAny
            : caCertFile is null ? PeerCertificateValidator.SystemRoots
            : PeerCertificateValidator.Load(caCertFile, $"the CA file {caCertFile}");

        // The certificate file may hold the intermediates that issued it; they are sent with it.
        _clientCertificate = certFile is not null && keyFile is not null ? CertificateChainFile.Load(certFile, keyFile) : null;
        var dialer = new EndpointDialer(timeout, time);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,

            // The connection (TLS included) is made apart from the request and could outlive its timeout.
            ConnectTimeout = timeout,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var request = context.InitialRequestMessage;
                request.Options.TryGetValue(EndpointKey, out var endpoint);
                var socket = await dialer.DialAsync(endpoint!, cancellationToken);
                request.Options.Set(ConnectedKey, true);
                var stream = new NetworkStream(socket, ownsSocket: true);
                if (!endpoint!.Address.Tls)
                {
                    return stream;
                }

                try
                {
                    return await AuthenticateAsync(stream, endpoint, request, cancellationToken);
                }
                catch
                {
                    await stream.DisposeAsync();
                    throw;
                }
            },
        };

        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Sends one request to <paramref name="endpoint"/>; never throws for network or protocol failures. A body longer than
    /// <paramref name="maxBodyBytes"/> is not read: the answer counts as failed, so a member cannot make us buffer without end.
    /// </summary>
    public async Task<EndpointHttpResponse> SendAsync(Endpoint endpoint, HttpMethod method, string path, string? jsonBody, int maxBodyBytes, CancellationToken stopping)
    {
        // Always http:// to the handler: for a TLS endpoint the connect callback has already wrapped the connection in TLS,
        // checked by our validator, which then knows the endpoint and can say why a certificate was refused.
        using var request = new HttpRequestMessage(method, new Uri($"http://{endpoint.Address}{path}"));
        request.Options.Set(EndpointKey, endpoint);
        request.Headers.ConnectionClose = true;
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var body = await ReadBodyAsync(response.Content, maxBodyBytes, linked.Token);
            return body is null
                ? new EndpointHttpResponse(null, "", true, $"the answer's body is larger than {maxBodyBytes} bytes (HTTP {(int)response.StatusCode})")
                : new EndpointHttpResponse((int)response.StatusCode, body, true, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or SocketException or AuthenticationException)
        {
            var connected = request.Options.TryGetValue(ConnectedKey, out var c) && c;
            var error = request.Options.TryGetValue(RejectionKey, out var rejection) ? rejection
                : timeout.IsCancellationRequested ? $"no answer within {GoDuration.Format(_timeout)}" + (connected ? " (connection accepted)" : "")
                : Innermost(e).Message;
            return new EndpointHttpResponse(null, "", connected, error);
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<Stream> AuthenticateAsync(NetworkStream stream, Endpoint endpoint, HttpRequestMessage request, CancellationToken ct)
    {
        // A name mismatch is forgiven when the certificate names the alternative (the discovery domain) instead.
        string[] names = _alternativeName is null ? [endpoint.Address.Host] : [endpoint.Address.Host, _alternativeName];
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Address.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                ClientCertificateContext = _clientCertificate,
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    var rejection = _validator.Check(certificate, chain, names);
                    if (rejection is not null)
                    {
                        request.Options.Set(RejectionKey, rejection);
                    }

                    return rejection is null;
                },
            }, ct);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>The body as text, or null when it is longer than <paramref name="maxBytes"/>.</summary>
    private static async Task<string?> ReadBodyAsync(HttpContent content, int maxBytes, CancellationToken ct)
    {
        if (content.Headers.ContentLength > maxBytes)
        {
            return null;
        }

        await using var body = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
