using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

/// <summary>
/// The certificate check behind every TLS handshake the gateway makes, run in real handshakes: what the member sends
/// (its certificate, with or without the intermediate) is what TLS hands the validation callback.
/// </summary>
public sealed class PeerCertificateValidatorTests : IDisposable
{
    private const string Target = "m0.example.test";

    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-pki-").FullName;
    private readonly X509Certificate2 _root = TestPki.CreateRoot("test-root");
    private readonly X509Certificate2 _intermediate;
    private readonly X509Certificate2 _leaf;

    public PeerCertificateValidatorTests()
    {
        _intermediate = TestPki.CreateIntermediate(_root, "test-intermediate");
        _leaf = TestPki.CreateServer(_intermediate, Target);
    }

    public void Dispose()
    {
        _leaf.Dispose();
        _intermediate.Dispose();
        _root.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Leaf_And_Intermediate_Sent_Against_A_Bundle_Holding_Only_The_Root_Is_Accepted()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        Assert.Null(await HandshakeAsync(WithChain(), validator, Target));
    }

    [Fact]
    public async Task Leaf_Sent_Without_Its_Intermediate_Is_Rejected_For_Its_Chain()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        var rejection = await HandshakeAsync(LeafOnly(), validator, Target);

        Assert.NotNull(rejection);
        Assert.Contains($"(CN={Target}) does not chain to --trusted-ca-file", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Intermediate_Held_In_The_Ca_File_Completes_The_Chain_When_The_Member_Sends_Only_Its_Leaf()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "bundle.crt"), _root, _intermediate), "--trusted-ca-file");

        Assert.Null(await HandshakeAsync(LeafOnly(), validator, Target));
    }

    [Fact]
    public async Task Full_Chain_From_An_Unrelated_Ca_Is_Rejected()
    {
        using var unrelated = TestPki.CreateRoot("unrelated-root");
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "unrelated.crt"), unrelated), "--trusted-ca-file");

        var rejection = await HandshakeAsync(WithChain(), validator, Target);

        Assert.NotNull(rejection);
        Assert.Contains("does not chain to --trusted-ca-file", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_For_Another_Name_Is_Rejected_Even_With_A_Good_Chain()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        var rejection = await HandshakeAsync(WithChain(), validator, "m1.example.test", "example.test");

        Assert.Equal($"certificate (CN={Target}) is not valid for m1.example.test or example.test", rejection);
    }

    [Fact]
    public async Task Any_Of_The_Expected_Names_Will_Do()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        Assert.Null(await HandshakeAsync(WithChain(), validator, "m9.example.test", Target));
        Assert.Null(await HandshakeAsync(WithChain(), validator, "127.0.0.1"));
    }

    [Fact]
    public async Task System_Roots_Do_Not_Vouch_For_A_Test_Root()
    {
        var rejection = await HandshakeAsync(WithChain(), PeerCertificateValidator.SystemRoots, Target);

        Assert.NotNull(rejection);
        Assert.Contains("does not chain to a system root CA", rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void No_Certificate_Is_Rejected() =>
        Assert.Equal("the endpoint sent no certificate", PeerCertificateValidator.SystemRoots.Check(null, null, [Target]));

    [Fact]
    public async Task Member_Certificate_Only_For_Client_Authentication_Is_Rejected_For_Its_Usage()
    {
        using var clientOnly = TestPki.CreateLeaf(_intermediate, [TestPki.ClientAuthentication], Target);
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--cacert");

        var rejection = await HandshakeAsync(SslStreamCertificateContext.Create(clientOnly, [_intermediate], offline: true), validator, Target);

        Assert.Equal($"certificate (CN={Target}) is not valid for server authentication (its extended key usage)", rejection);
    }

    [Fact]
    public async Task Client_Sending_Its_Intermediate_Is_Accepted_Against_The_Root_Alone_Whatever_Its_Name()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        Assert.Null(await ClientHandshakeAsync(WithChain(), validator));
    }

    [Fact]
    public async Task Client_Without_Its_Intermediate_Or_From_Another_Ca_Is_Rejected()
    {
        using var unrelated = TestPki.CreateRoot("unrelated-root");
        var rootOnly = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");
        var other = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "unrelated.crt"), unrelated), "--trusted-ca-file");

        Assert.StartsWith($"certificate (CN={Target}) does not chain to --trusted-ca-file", await ClientHandshakeAsync(LeafOnly(), rootOnly));
        Assert.StartsWith($"certificate (CN={Target}) does not chain to --trusted-ca-file", await ClientHandshakeAsync(WithChain(), other));
    }

    [Fact]
    public async Task Client_Certificate_Only_For_Server_Authentication_Is_Rejected_For_Its_Usage()
    {
        using var serverOnly = TestPki.CreateLeaf(_intermediate, [TestPki.ServerAuthentication], Target);
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        var rejection = await ClientHandshakeAsync(SslStreamCertificateContext.Create(serverOnly, [_intermediate], offline: true), validator);

        Assert.Equal($"certificate (CN={Target}) is not valid for client authentication (its extended key usage)", rejection);
    }

    [Fact]
    public async Task Client_Without_A_Certificate_Is_Rejected()
    {
        var validator = PeerCertificateValidator.Load(TestPki.WritePem(Path.Combine(_dir, "root.crt"), _root), "--trusted-ca-file");

        Assert.Equal("the client sent no certificate", await ClientHandshakeAsync(null, validator));
    }

    [Fact]
    public async Task Accept_Any_Takes_What_No_Trust_Store_Would()
    {
        Assert.Null(await HandshakeAsync(LeafOnly(), PeerCertificateValidator.AcceptAny, "some.other.name"));
        Assert.Null(PeerCertificateValidator.AcceptAny.CheckClient(null, null));
    }

    private SslStreamCertificateContext WithChain() => SslStreamCertificateContext.Create(_leaf, [_intermediate], offline: true);

    private SslStreamCertificateContext LeafOnly() => SslStreamCertificateContext.Create(_leaf, [], offline: true);

    /// <summary>
    /// A TLS handshake in which a client presents <paramref name="presented"/> (none when null) to a server that requires a
    /// certificate; null when the validator accepted it, else its reason.
    /// </summary>
    private async Task<string?> ClientHandshakeAsync(SslStreamCertificateContext? presented, PeerCertificateValidator validator)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        var connecting = client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var accepted = await listener.AcceptTcpClientAsync();
        await connecting;
        await using var serverTls = new SslStream(accepted.GetStream());
        await using var clientTls = new SslStream(client.GetStream());
        string? rejection = "the validation callback was not called";
        var serving = serverTls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = WithChain(),
            ClientCertificateRequired = true,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                rejection = validator.CheckClient(certificate, chain);
                return rejection is null;
            },
        });
        var connectingTls = clientTls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = Target,
            ClientCertificateContext = presented,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
        });
        try
        {
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (AuthenticationException)
        {
            // The reason is the validator's.
        }

        try
        {
            await connectingTls.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // The server ended the handshake.
        }

        return rejection;
    }

    /// <summary>A TLS handshake with a server serving <paramref name="served"/>; null when the validator accepted it, else its reason.</summary>
    private static async Task<string?> HandshakeAsync(SslStreamCertificateContext served, PeerCertificateValidator validator, params string[] names)
    {
        await using var server = new LoopbackHttpServer(LoopbackHttpServer.Ok(0), 0, served);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.Port);
        await using var tls = new SslStream(client.GetStream());
        string? rejection = "the validation callback was not called";
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = names[0],
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    rejection = validator.Check(certificate, chain, names);
                    return rejection is null;
                },
            }).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (AuthenticationException)
        {
            // The reason is the validator's.
        }

        return rejection;
    }
}
