using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc.Tls;

/// <summary>
/// <c>grpc-proxy start</c> serving clients over TLS on its one port (<c>--cert-file</c>/<c>--key-file</c> or
/// <c>--auto-tls</c>, <c>--trusted-ca-file</c>, <c>--client-crl-file</c>), in front of the client-certificate cluster:
/// etcdctl with its certificate gets through, one without a certificate, from another CA or revoked does not, and the
/// listener presents its intermediate, follows a renewed certificate file, and serves <c>/health</c> over HTTP/1.1 and h2.
/// </summary>
public sealed class GrpcClientTlsTests(ClientCertClusterFixture fixture) : IClassFixture<ClientCertClusterFixture>
{
    [Fact]
    public async Task Etcdctl_Presenting_A_Certificate_Chained_Through_The_Intermediate_Is_Served_And_Others_Are_Refused()
    {
        var listener = fixture.IssueServerCertificate();
        var client = fixture.Intermediate.IssueClientCertificate("tls-client");
        var stranger = fixture.Unrelated.IssueClientCertificate("stranger");
        await using var proxy = await StartAsync($"--cert-file={listener.CertificatePath}", $"--key-file={listener.KeyPath}", $"--trusted-ca-file={fixture.Root.CertificatePath}");
        var url = $"https://{proxy.ListenAddress}";

        var put = await Etcdctl.RunAsync(url, Identity(client, "put", "tls/client", "with-a-certificate"));
        Assert.True(put.Succeeded, $"{put}\n{proxy.Log}");
        var get = await Etcdctl.RunAsync(url, Identity(client, "get", "tls/client", "--print-value-only"));
        Assert.Equal("with-a-certificate", get.StdOut.Trim());

        var anonymous = await Etcdctl.RunTlsAsync(url, fixture.Root.CertificatePath, "get", "tls/client");
        Assert.False(anonymous.Succeeded, anonymous.ToString());
        Assert.Contains(proxy.LogEntries("rejected client certificate"), e => e.GetProperty("error").GetString() == "the client sent no certificate");

        var foreign = await Etcdctl.RunAsync(url, Identity(stranger, "get", "tls/client"));
        Assert.False(foreign.Succeeded, foreign.ToString());
        Assert.Contains(proxy.LogEntries("rejected client certificate"), e => e.GetProperty("error").GetString()!.Contains("(CN=stranger) does not chain to", StringComparison.Ordinal));

        // The port speaks nothing but TLS now.
        var plain = await Etcdctl.RunAsync(proxy.ListenAddress, "get", "tls/client");
        Assert.False(plain.Succeeded, plain.ToString());
    }

    [Fact]
    public async Task Proxy_Health_Over_Tls_Reaches_The_Proxy_Through_Its_Own_Port_Presenting_Its_Own_Certificate()
    {
        var listener = fixture.IssueServerCertificate();
        var client = fixture.Intermediate.IssueClientCertificate("tls-health");
        await using var proxy = await StartAsync($"--cert-file={listener.CertificatePath}", $"--key-file={listener.KeyPath}", $"--trusted-ca-file={fixture.Root.CertificatePath}");

        var health = await ExternalTool.RunAsync("curl", [
            "--silent", "--show-error", "--write-out", " %{http_code}", "--cacert", fixture.Root.CertificatePath,
            "--cert", client.CertificatePath, "--key", client.KeyPath, $"https://{proxy.ListenAddress}/proxy/health"]);
        Assert.Equal("{\"health\":\"true\",\"reason\":\"\"} 200", health.StdOut);
        Assert.Empty(proxy.LogEntries("rejected client certificate"));
    }

    [Fact]
    public async Task A_Revoked_Client_Certificate_Is_Refused_And_Others_From_The_Same_Ca_Are_Not()
    {
        var listener = fixture.IssueServerCertificate();
        var revoked = fixture.Intermediate.IssueClientCertificate("revoked-client");
        var kept = fixture.Intermediate.IssueClientCertificate("kept-client");
        var crl = fixture.Intermediate.WriteRevocationList(revoked);
        await using var proxy = await StartAsync(
            $"--cert-file={listener.CertificatePath}", $"--key-file={listener.KeyPath}", $"--trusted-ca-file={fixture.Root.CertificatePath}", $"--client-crl-file={crl}");
        var url = $"https://{proxy.ListenAddress}";

        var refused = await Etcdctl.RunAsync(url, Identity(revoked, "get", "tls/revoked"));
        var served = await Etcdctl.RunAsync(url, Identity(kept, "get", "tls/revoked"));

        Assert.False(refused.Succeeded, refused.ToString());
        Assert.True(served.Succeeded, $"{served}\n{proxy.Log}");
        var rejection = Assert.Single(proxy.LogEntries("rejected client certificate").Select(e => e.GetProperty("error").GetString()).Distinct());
        Assert.Contains("(CN=revoked-client)", rejection, StringComparison.Ordinal);
        Assert.Contains("is revoked by --client-crl-file", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_Tls_Makes_Its_Certificate_In_The_Data_Dir_And_Serves_Etcdctl_That_Skips_Verification()
    {
        var dataDir = Directory.CreateTempSubdirectory("grpc-proxy-auto-tls-").FullName;
        try
        {
            await using var proxy = await StartAsync("--auto-tls", $"--data-dir={dataDir}", "--self-signed-cert-validity=2");

            // etcdctl 3.4 skips verification only for an endpoint without a scheme; with https:// it verifies anyway
            // (etcd's own proxy behaves the same to it).
            var put = await Etcdctl.RunAsync(proxy.ListenAddress, "--insecure-transport=false", "--insecure-skip-tls-verify", "put", "tls/auto", "self-signed");
            Assert.True(put.Succeeded, $"{put}\n{proxy.Log}");
            var verifying = await Etcdctl.RunTlsAsync($"https://{proxy.ListenAddress}", fixture.Root.CertificatePath, "get", "tls/auto");
            Assert.False(verifying.Succeeded, verifying.ToString());

            using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dataDir, "fixtures", "proxy", "cert.pem")));
            Assert.Equal("O=etcd", certificate.Subject);
            Assert.Equal(certificate.Thumbprint, (await PresentedChainAsync(proxy)).Leaf.Thumbprint);
            Assert.InRange((certificate.NotAfter - certificate.NotBefore).TotalDays, 729.9, 730.1);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Tls_Version_Bounds_Hold_As_Curl_Sees_Them_And_Health_Answers_Over_Http1_And_H2()
    {
        var listener = fixture.IssueServerCertificate();
        await using var upToTls12 = await StartAsync($"--cert-file={listener.CertificatePath}", $"--key-file={listener.KeyPath}", "--tls-max-version=TLS1.2");
        await using var fromTls13 = await StartAsync($"--cert-file={listener.CertificatePath}", $"--key-file={listener.KeyPath}", "--tls-min-version=TLS1.3");

        Assert.Equal("200 1.1", (await CurlHealthAsync(upToTls12, "--http1.1", "--tls-max", "1.2")).StdOut);
        Assert.Equal("200 2", (await CurlHealthAsync(upToTls12, "--http2", "--tls-max", "1.2")).StdOut);
        Assert.False((await CurlHealthAsync(upToTls12, "--tlsv1.3")).Succeeded);
        Assert.Equal("200 2", (await CurlHealthAsync(fromTls13, "--tlsv1.3")).StdOut);
        Assert.False((await CurlHealthAsync(fromTls13, "--tls-max", "1.2")).Succeeded);
    }

    [Fact]
    public async Task Listed_Cipher_Suites_Are_The_Only_Tls12_Ones_Offered_And_Tls13_Keeps_Its_Own()
    {
        var listener = fixture.IssueServerCertificate();
        await using var proxy = await StartAsync(
            $"--cert-file={listener.CertificatePath}", $"--key-file={listener.KeyPath}", "--listen-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

        var listed = await OpenSslAsync(proxy, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
        var other = await OpenSslAsync(proxy, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384");
        var tls13 = await OpenSslAsync(proxy, "-tls1_3");

        Assert.Contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256", listed.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("Cipher is ECDHE-ECDSA-AES256-GCM-SHA384", other.StdOut, StringComparison.Ordinal);
        Assert.Contains("handshake failure", other.StdErr, StringComparison.Ordinal);
        Assert.Contains("New, TLSv1.3, Cipher is TLS_", tls13.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Listener_Sends_Its_Intermediate_And_Follows_A_Renewed_Certificate_File()
    {
        var first = fixture.IssueServerCertificate();
        var renewed = fixture.IssueServerCertificate();
        var dir = Directory.CreateTempSubdirectory("grpc-proxy-renew-").FullName;
        try
        {
            var certFile = Path.Combine(dir, "proxy.crt");
            var keyFile = Path.Combine(dir, "proxy.key");
            File.Copy(first.CertificatePath, certFile);
            File.Copy(first.KeyPath, keyFile);
            await using var proxy = await StartAsync($"--cert-file={certFile}", $"--key-file={keyFile}");

            var before = await PresentedChainAsync(proxy);
            Assert.Equal(fixture.Intermediate.Certificate.Thumbprint, Assert.Single(before.Intermediates).Thumbprint);

            // A renewal replaces both files; new connections get the new certificate, no signal needed.
            File.Copy(renewed.KeyPath, keyFile, overwrite: true);
            File.Copy(renewed.CertificatePath, certFile, overwrite: true);
            File.SetLastWriteTimeUtc(certFile, DateTime.UtcNow.AddSeconds(1));
            var after = await PresentedChainAsync(proxy);

            Assert.NotEqual(before.Leaf.Thumbprint, after.Leaf.Thumbprint);
            using var expected = X509Certificate2.CreateFromPem(File.ReadAllText(renewed.CertificatePath));
            Assert.Equal(expected.Thumbprint, after.Leaf.Thumbprint);
            var get = await Etcdctl.RunTlsAsync($"https://{proxy.ListenAddress}", fixture.Root.CertificatePath, "get", "tls/renewed");
            Assert.True(get.Succeeded, $"{get}\n{proxy.Log}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The proxy in front of the fixture's cluster (TLS to it as well) with the client-facing flags given.</summary>
    private Task<GatewayProcess> StartAsync(params string[] clientTls) =>
        GrpcProxyProcess.StartAsync([
            $"--endpoints={fixture.SchemelessEndpoints}", $"--cert={fixture.ProxyClientCertificate.CertificatePath}",
            $"--key={fixture.ProxyClientCertificate.KeyPath}", $"--cacert={fixture.Root.CertificatePath}", .. clientTls]);

    private string[] Identity(IssuedCertificate client, params string[] args) =>
        [$"--cacert={fixture.Root.CertificatePath}", $"--cert={client.CertificatePath}", $"--key={client.KeyPath}", .. args];

    private Task<CommandResult> CurlHealthAsync(GatewayProcess proxy, params string[] args) =>
        ExternalTool.RunAsync("curl", [
            "--silent", "--fail", "--output", "/dev/null", "--write-out", "%{http_code} %{http_version}", "--cacert", fixture.Root.CertificatePath,
            .. args, $"https://{proxy.ListenAddress}/health"]);

    private Task<CommandResult> OpenSslAsync(GatewayProcess proxy, params string[] args) =>
        ExternalTool.RunAsync("openssl", ["s_client", "-connect", proxy.ListenAddress, "-CAfile", fixture.Root.CertificatePath, .. args]);

    /// <summary>The certificate and intermediates the proxy sends in a handshake on a new connection.</summary>
    private static async Task<(X509Certificate2 Leaf, X509Certificate2[] Intermediates)> PresentedChainAsync(GatewayProcess proxy)
    {
        using var tcp = new TcpClient();
        var colon = proxy.ListenAddress.LastIndexOf(':');
        await tcp.ConnectAsync(proxy.ListenAddress[..colon], int.Parse(proxy.ListenAddress[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        await using var tls = new SslStream(tcp.GetStream());
        X509Certificate2[] sent = [];
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                // TLS hands the validation callback what the server sent after its own certificate in the extra store.
                sent = [.. chain?.ChainPolicy.ExtraStore ?? []];
                return certificate is not null;
            },
        });
        var leaf = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
        return (leaf, [.. sent.Where(c => c.Thumbprint != leaf.Thumbprint)]);
    }
}
