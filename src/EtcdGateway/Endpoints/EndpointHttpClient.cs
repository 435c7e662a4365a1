using System.Net.Security;
using System.Net.Sockets;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EtcdGateway.Logging;

namespace EtcdGateway.Endpoints;

/// <summary>
/// Small HTTP/1.1 exchanges with one specific endpoint (health probes, member-list sync). It dials through our own
/// dialer so the request reaches exactly that endpoint's addresses, uses a fresh connection each time (a probe must
/// prove new connections work), and speaks TLS to TLS endpoints, verified against the given CA.
/// </summary>
internal sealed class EndpointHttpClient : IDisposable
{
    private static readonly HttpRequestOptionsKey<Endpoint> EndpointKey = new("etcd-gateway.endpoint");
    private static readonly HttpRequestOptionsKey<bool> ConnectedKey = new("etcd-gateway.connected");

    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    public EndpointHttpClient(TimeSpan timeout, TimeProvider time, string? caCertFile = null, string? certFile = null, string? keyFile = null, string? alternativeName = null)
    {
        _time = time;
        _timeout = timeout;
        var dialer = new EndpointDialer(timeout, time);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var request = context.InitialRequestMessage;
                request.Options.TryGetValue(EndpointKey, out var endpoint);
                var socket = await dialer.DialAsync(endpoint!, cancellationToken);
                request.Options.Set(ConnectedKey, true);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = CertificateValidator(caCertFile, alternativeName);
        if (certFile is not null && keyFile is not null)
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }

        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Sends one request to <paramref name="endpoint"/>; never throws for network or protocol failures.</summary>
    public async Task<EndpointHttpResponse> SendAsync(Endpoint endpoint, HttpMethod method, string path, string? jsonBody, CancellationToken stopping)
    {
        var scheme = endpoint.Address.Tls ? "https" : "http";
        using var request = new HttpRequestMessage(method, new Uri($"{scheme}://{endpoint.Address}{path}"));
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
            using var response = await _client.SendAsync(request, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            return new EndpointHttpResponse((int)response.StatusCode, body, true, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or SocketException)
        {
            var connected = request.Options.TryGetValue(ConnectedKey, out var c) && c;
            var error = timeout.IsCancellationRequested
                ? $"no answer within {GoDuration.Format(_timeout)}" + (connected ? " (connection accepted)" : "")
                : Innermost(e).Message;
            return new EndpointHttpResponse(null, "", connected, error);
        }
    }

    public void Dispose() => _client.Dispose();

    private static RemoteCertificateValidationCallback CertificateValidator(string? caCertFile, string? alternativeName)
    {
        // A name mismatch is forgiven when the certificate names the alternative (the discovery domain) instead.
        bool NameFits(X509Certificate? certificate, SslPolicyErrors errors) =>
            !errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)
            || (alternativeName is not null && certificate is X509Certificate2 full && full.MatchesHostname(alternativeName));

        if (caCertFile is null)
        {
            return (_, certificate, _, errors) => NameFits(certificate, errors) && (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caCertFile);
        return (_, certificate, _, errors) =>
        {
            // The name must still match; only the trust anchor is ours instead of the system's.
            if (certificate is null || !NameFits(certificate, errors) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
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
