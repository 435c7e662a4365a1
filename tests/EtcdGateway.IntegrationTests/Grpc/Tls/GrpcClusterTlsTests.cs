using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc.Tls;

/// <summary>
/// <c>grpc-proxy start</c> to a cluster that speaks TLS and demands client certificates (<c>--cert</c>, <c>--key</c>,
/// <c>--cacert</c>, <c>--insecure-skip-tls-verify</c>): members whose certificates an intermediate issued are verified
/// against the root alone, the proxy's certificate goes with its intermediate, health probes present it too, and a
/// member the proxy cannot trust, or that cannot trust the proxy, fails calls with Unavailable and a log line saying why.
/// </summary>
public sealed class GrpcClusterTlsTests(ClientCertClusterFixture fixture) : IClassFixture<ClientCertClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Etcdctl_Through_The_Proxy_Reaches_A_Client_Certificate_Cluster_Verified_Against_The_Root_Alone()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([
            $"--endpoints={fixture.SchemelessEndpoints}", $"--cert={fixture.ProxyClientCertificate.CertificatePath}",
            $"--key={fixture.ProxyClientCertificate.KeyPath}", $"--cacert={fixture.Root.CertificatePath}"]);

        var put = await Etcdctl.RunAsync(proxy.ListenAddress, "put", "tls/cluster", "through-the-proxy");
        Assert.True(put.Succeeded, $"{put}\n{proxy.Log}");
        var get = await Etcdctl.RunAsync(proxy.ListenAddress, "get", "tls/cluster", "--print-value-only");
        Assert.Equal("through-the-proxy", get.StdOut.Trim());
        var direct = await Etcdctl.RunAsync(fixture.Cluster.Members[1].ClientUrl, $"--cacert={fixture.Root.CertificatePath}",
            $"--cert={fixture.ProxyClientCertificate.CertificatePath}", $"--key={fixture.ProxyClientCertificate.KeyPath}", "get", "tls/cluster", "--print-value-only");
        Assert.Equal("through-the-proxy", direct.StdOut.Trim());

        // The proxy's /health is a read through the cluster; the probes present the proxy's certificate, so no member
        // leaves rotation (a probe without it would be refused by every member within a few rounds).
        using var http = new HttpClient();
        Assert.Contains("\"health\":\"true\"", await http.GetStringAsync($"http://{proxy.ListenAddress}/health"), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(proxy.LogEntries("deactivated endpoint"));
    }

    [Fact]
    public async Task A_Ca_That_Issued_None_Of_The_Members_Fails_Calls_With_Unavailable_And_Says_Why()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([
            $"--endpoints={fixture.SchemelessEndpoints}", $"--cert={fixture.ProxyClientCertificate.CertificatePath}",
            $"--key={fixture.ProxyClientCertificate.KeyPath}", $"--cacert={fixture.Unrelated.CertificatePath}"]);

        var error = await Assert.ThrowsAsync<RpcException>(() => RangeAsync(proxy));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains($"does not chain to --cacert {fixture.Unrelated.CertificatePath}", error.Status.Detail, StringComparison.Ordinal);
        var deactivated = await proxy.WaitForLogAsync("deactivated endpoint", Timeout);
        Assert.Contains($"does not chain to", deactivated.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_Its_Certificate_The_Proxy_Is_Refused_By_Members_That_Demand_One()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={fixture.SchemelessEndpoints}", $"--cacert={fixture.Root.CertificatePath}"]);

        var error = await Assert.ThrowsAsync<RpcException>(() => RangeAsync(proxy));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        await proxy.WaitForLogAsync("deactivated endpoint", Timeout);
    }

    [Fact]
    public async Task Insecure_Skip_Tls_Verify_Reaches_Members_Whatever_Issued_Them_And_Warns()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([
            $"--endpoints={fixture.SchemelessEndpoints}", $"--cert={fixture.ProxyClientCertificate.CertificatePath}",
            $"--key={fixture.ProxyClientCertificate.KeyPath}", "--insecure-skip-tls-verify"]);

        var range = await RangeAsync(proxy);

        Assert.NotNull(range.Header);
        Assert.Single(proxy.StderrLines, l => l.Contains("skips authentication of etcd server TLS certificates", StringComparison.Ordinal));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(proxy.LogEntries("deactivated endpoint"));
    }

    [Fact]
    public async Task Https_Members_Are_Tls_Even_Written_With_Their_Scheme_And_Http_Ones_Stay_Plain()
    {
        var https = string.Join(',', fixture.Cluster.Members.Select(m => m.ClientUrl));
        await using var proxy = await GrpcProxyProcess.StartAsync([
            $"--endpoints={https}", $"--cert={fixture.ProxyClientCertificate.CertificatePath}",
            $"--key={fixture.ProxyClientCertificate.KeyPath}", $"--cacert={fixture.Root.CertificatePath}"]);
        Assert.NotNull((await RangeAsync(proxy)).Header);

        // http:// is plain whatever the flags: HTTP/2 without TLS reaches a TLS port, which cannot answer it.
        var http = string.Join(',', fixture.Cluster.Members.Select(m => $"http://{m.ClientAddress}"));
        await using var plain = await GrpcProxyProcess.StartAsync([
            $"--endpoints={http}", $"--cert={fixture.ProxyClientCertificate.CertificatePath}",
            $"--key={fixture.ProxyClientCertificate.KeyPath}", $"--cacert={fixture.Root.CertificatePath}"]);
        // How the member's TLS alert reaches the HTTP/2 client decides the code: a connection that ends during the
        // handshake is Unavailable, bytes read as a broken HTTP/2 frame are Internal. Either way the call never succeeds.
        Assert.Contains((await Assert.ThrowsAsync<RpcException>(() => RangeAsync(plain))).StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
    }

    private static async Task<RangeResponse> RangeAsync(GatewayProcess proxy)
    {
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        return await new KV.KVClient(channel).RangeAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8("tls/any") }, deadline: DateTime.UtcNow.AddSeconds(10));
    }
}
