using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Relay;

namespace EtcdGateway.Tests.Endpoints;

/// <summary>
/// The HTTP exchanges of health probes and member-list sync against a stand-in member: TLS checked by the shared
/// validator with the intermediates the member sends, and answers whose body is over the cap refused, not buffered.
/// </summary>
public sealed class EndpointHttpClientTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-http-").FullName;
    private readonly X509Certificate2 _root = TestPki.CreateRoot("test-root");
    private readonly X509Certificate2 _intermediate;
    private readonly X509Certificate2 _leaf;

    public EndpointHttpClientTests()
    {
        _intermediate = TestPki.CreateIntermediate(_root, "test-intermediate");
        _leaf = TestPki.CreateServer(_intermediate, "localhost");
    }

    public void Dispose()
    {
        _leaf.Dispose();
        _intermediate.Dispose();
        _root.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Tls_Member_Sending_Its_Intermediate_Answers_A_Client_Trusting_Only_The_Root()
    {
        await using var member = new LoopbackHttpServer(LoopbackHttpServer.Ok(16), 16, WithChain());
        using var http = new EndpointHttpClient(Timeout, TimeProvider.System, TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root));

        var response = await http.SendAsync(TlsEndpoint(member.Port), HttpMethod.Get, "/health", null, 1024, CancellationToken.None);

        Assert.True(response.StatusCode == 200, $"expected 200: {response}");
        Assert.Equal(new string('x', 16), response.Body);
    }

    [Fact]
    public async Task Tls_Member_Refused_By_The_Validator_Gets_Its_Reason_In_The_Error()
    {
        using var unrelated = TestPki.CreateRoot("unrelated-root");
        var caFile = TestPki.WritePem(Path.Combine(_dir, "unrelated.crt"), unrelated);
        await using var member = new LoopbackHttpServer(LoopbackHttpServer.Ok(16), 16, WithChain());
        using var http = new EndpointHttpClient(Timeout, TimeProvider.System, caFile);

        var response = await http.SendAsync(TlsEndpoint(member.Port), HttpMethod.Get, "/health", null, 1024, CancellationToken.None);

        Assert.False(response.Answered);
        Assert.True(response.Connected);
        Assert.StartsWith($"certificate (CN=localhost) does not chain to the CA file {caFile}", response.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_Certificate_File_Holding_Leaf_And_Intermediate_Sends_Both_To_A_Member_Trusting_Only_The_Root()
    {
        using var client = TestPki.CreateServer(_intermediate, "gateway");
        var certFile = TestPki.WritePem(Path.Combine(_dir, "client.crt"), client, _intermediate);
        var keyFile = Path.Combine(_dir, "client.key");
        await File.WriteAllTextAsync(keyFile, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var sentIntermediate = false;
        var clientChains = false;
        await using var member = new LoopbackHttpServer(LoopbackHttpServer.Ok(16), 16, WithChain(), (_, certificate, chain, _) =>
        {
            sentIntermediate = chain?.ChainPolicy.ExtraStore.Any(c => c.Thumbprint == _intermediate.Thumbprint) == true;
            clientChains = certificate is X509Certificate2 presented && PeerCertificateValidator
                .FromCertificates([X509CertificateLoader.LoadCertificate(_root.RawData)], "the root").Check(presented, chain, ["gateway"]) is null;
            return clientChains;
        });
        using var http = new EndpointHttpClient(Timeout, TimeProvider.System, TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), certFile, keyFile);

        var response = await http.SendAsync(TlsEndpoint(member.Port), HttpMethod.Get, "/health", null, 1024, CancellationToken.None);

        Assert.True(sentIntermediate, "the member should have received the intermediate with the client certificate");
        Assert.True(clientChains, "the client certificate should chain to the root through the intermediate it came with");
        Assert.True(response.StatusCode == 200, $"expected 200: {response}");
    }

    [Fact]
    public async Task Body_Exactly_At_The_Cap_Is_Read()
    {
        await using var member = new LoopbackHttpServer(LoopbackHttpServer.OkUntilClose, 4096);
        using var http = new EndpointHttpClient(Timeout, TimeProvider.System);

        var response = await http.SendAsync(PlainEndpoint(member.Port), HttpMethod.Get, "/health", null, 4096, CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(4096, response.Body.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Body_Over_The_Cap_Is_An_Error_Not_A_Body(bool withContentLength)
    {
        // 64 MiB offered, 4 KiB allowed: without a length, reading must stop at the cap, long before the member is done.
        const long offered = 64L * 1024 * 1024;
        await using var member = new LoopbackHttpServer(withContentLength ? LoopbackHttpServer.Ok(offered) : LoopbackHttpServer.OkUntilClose, offered);
        using var http = new EndpointHttpClient(Timeout, TimeProvider.System);

        var response = await http.SendAsync(PlainEndpoint(member.Port), HttpMethod.Post, "/v3/cluster/member/list", "{}", 4096, CancellationToken.None);

        Assert.False(response.Answered, $"a body over the cap must not count as an answer: {response.StatusCode}, {response.Body.Length} bytes");
        Assert.True(response.Connected);
        Assert.Equal("the answer's body is larger than 4096 bytes (HTTP 200)", response.Error);
    }

    [Fact]
    public async Task Health_Probe_Of_A_Member_Answering_Over_64_KiB_Fails_With_The_Reason()
    {
        await using var member = new LoopbackHttpServer(LoopbackHttpServer.OkUntilClose, EndpointProbe.MaxBodyBytes + 1);
        var options = new HealthOptions
        {
            Mode = HealthCheckMode.Http, Interval = TimeSpan.FromSeconds(1), Timeout = Timeout, UnhealthyThreshold = 2, HealthyThreshold = 2, EjectGrace = TimeSpan.Zero,
        };
        using var http = new EndpointHttpClient(Timeout, TimeProvider.System);
        var probe = new EndpointProbe(options, http, new EndpointDialer(Timeout, TimeProvider.System));

        var result = await probe.ProbeAsync(PlainEndpoint(member.Port), CancellationToken.None);

        Assert.NotEqual(EndpointHealth.Healthy, result.Health);
        Assert.Equal($"health probe: the answer's body is larger than {EndpointProbe.MaxBodyBytes} bytes (HTTP 200)", result.Error);
    }

    private SslStreamCertificateContext WithChain() => SslStreamCertificateContext.Create(_leaf, [_intermediate], offline: true);

    private static Endpoint TlsEndpoint(int port) => new(new EndpointAddress("localhost", port) { Tls = true }, [IPAddress.Loopback]);

    private static Endpoint PlainEndpoint(int port) => new(new EndpointAddress("127.0.0.1", port), [IPAddress.Loopback]);
}
