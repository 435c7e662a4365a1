using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Cli;

/// <summary><c>grpc-proxy start</c>'s flags: etcd's names and defaults, every value checked, unbuilt features refused.</summary>
public sealed class GrpcProxyConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("grpc-proxy-flags-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (GatewayOptions Shared, GrpcProxyOptions Proxy) Load(params string[] args) =>
        GrpcProxyConfiguration.Load(FlagParser.Parse(args, GrpcProxyFlags.All));

    [Fact]
    public void Defaults_Are_Etcds()
    {
        var (shared, proxy) = Load();
        Assert.Equal([new EndpointAddress("127.0.0.1", 2379)], shared.Endpoints);
        Assert.Equal(new EndpointAddress("127.0.0.1", 23790), shared.ListenAddress);
        Assert.Equal(TimeSpan.Zero, shared.AutoSyncInterval);
        Assert.Equal(1572864, proxy.MaxSendBytes);
        Assert.Equal(int.MaxValue, proxy.MaxRecvBytes);
        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromHours(2), TimeSpan.FromSeconds(20)), (proxy.GrpcKeepAliveMinTime, proxy.GrpcKeepAliveInterval, proxy.GrpcKeepAliveTimeout));
        Assert.Equal((TimeSpan.Zero, TimeSpan.FromSeconds(20), false), (proxy.DialKeepAliveTime, proxy.DialKeepAliveTimeout, proxy.PermitWithoutStream));
        Assert.Equal("127.0.0.1:23790", proxy.AdvertiseClientUrl);
        Assert.Equal(("", 0, ""), (proxy.ResolverPrefix, proxy.ResolverTtl, proxy.Namespace));
        Assert.Equal("default.proxy", proxy.DataDir);
        Assert.Equal(uint.MaxValue, proxy.MaxConcurrentStreams);
        Assert.Equal((SslProtocols.Tls12, SslProtocols.None), (proxy.ClientTls.MinVersion, proxy.ClientTls.MaxVersion));
        Assert.False(proxy.ClientTls.IsConfigured);
        Assert.False(proxy.ClusterTls.IsConfigured);
        Assert.Equal(LogLevel.Info, shared.LogLevel);
        Assert.Empty(shared.Notices);
    }

    [Fact]
    public void The_Range_Cache_Holds_Etcds_2048_Answers_By_Default_And_Its_Flags_Set_Its_Bounds()
    {
        var (_, proxy) = Load();
        Assert.Equal((2048, 64L * 1024 * 1024, TimeSpan.FromSeconds(1)), (proxy.CacheMaxEntries, proxy.CacheMaxBytes, proxy.CacheEntryTtl));

        (_, proxy) = Load("--cache-max-entries=0", "--cache-max-bytes=1024", "--cache-entry-ttl=250ms");
        Assert.Equal((0, 1024L, TimeSpan.FromMilliseconds(250)), (proxy.CacheMaxEntries, proxy.CacheMaxBytes, proxy.CacheEntryTtl));
    }

    [Fact]
    public void Debug_Means_Debug_Logging()
    {
        Assert.Equal(LogLevel.Debug, Load("--debug").Shared.LogLevel);
        Assert.Equal(LogLevel.Warn, Load("--debug=false", "--log-level=warn").Shared.LogLevel);
    }

    [Fact]
    public void Http_Endpoints_Are_Plain_Members_Without_A_Warning()
    {
        var (shared, _) = Load("--endpoints=http://10.0.0.1:2379,10.0.0.2:2379");
        Assert.Equal(["10.0.0.1:2379", "10.0.0.2:2379"], shared.Endpoints.Select(e => e.ToString()));
        Assert.DoesNotContain(shared.Notices, n => n.Level >= LogLevel.Warn);
    }

    [Fact]
    public void Values_That_Are_Acted_On_Are_Accepted()
    {
        var (shared, proxy) = Load(
            "--max-send-bytes=4194304", "--max-recv-bytes=0", "--dial-keepalive-time=10s", "--dial-keepalive-timeout=3s", "--permit-without-stream",
            "--grpc-keepalive-interval=0s", "--grpc-keepalive-timeout=5s", "--max-concurrent-streams=100", "--advertise-client-url=",
            "--tls-min-version=TLS1.3", "--tls-max-version=TLS1.3", "--data-dir=/tmp/x", "--pick-policy=random", "--endpoints-auto-sync-interval=30s");
        Assert.Equal((4194304, int.MaxValue), (proxy.MaxSendBytes, proxy.MaxRecvBytes));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), true), (proxy.DialKeepAliveTime, proxy.DialKeepAliveTimeout, proxy.PermitWithoutStream));
        Assert.Equal((TimeSpan.Zero, 100u, ""), (proxy.GrpcKeepAliveInterval, proxy.MaxConcurrentStreams, proxy.AdvertiseClientUrl));
        Assert.Equal(SslProtocols.Tls13, proxy.ClientTls.MinVersion);
        Assert.Equal(TimeSpan.FromSeconds(30), shared.AutoSyncInterval);
    }

    public static TheoryData<string[], string, string> BadInput => new()
    {
        { ["--listen-addr=localhost"], "listen-addr", "localhost" },
        { ["--endpoints=host:99999"], "endpoints", "host:99999" },
        { ["--max-send-bytes=1.5MiB"], "max-send-bytes", "1.5MiB" },
        { ["--max-send-bytes=-1"], "max-send-bytes", "-1" },
        { ["--max-recv-bytes=2147483648"], "max-recv-bytes", "2147483648" },
        { ["--max-concurrent-streams=0"], "max-concurrent-streams", "0" },
        { ["--max-concurrent-streams=4294967296"], "max-concurrent-streams", "4294967296" },
        { ["--watch-history-size=0"], "watch-history-size", "0" },
        { ["--watch-history-size=many"], "watch-history-size", "many" },
        { ["--watch-catch-up-limit=0"], "watch-catch-up-limit", "0" },
        { ["--resolver-ttl=abc"], "resolver-ttl", "abc" },
        { ["--resolver-prefix=/proxies", "--resolver-ttl=-1"], "resolver-ttl", "-1" },
        { ["--resolver-prefix=/proxies"], "resolver-ttl", "0" },
        { ["--resolver-ttl=60"], "resolver-ttl", "60" },
        { ["--resolver-prefix=/p", "--resolver-ttl=60", "--advertise-client-url="], "advertise-client-url", "" },
        { ["--advertise-client-url=host:port"], "advertise-client-url", "host:port" },
        { ["--dial-keepalive-time=10"], "dial-keepalive-time", "10" },
        { ["--dial-keepalive-timeout=-1s"], "dial-keepalive-timeout", "-1s" },
        { ["--grpc-keepalive-interval=forever"], "grpc-keepalive-interval", "forever" },
        { ["--grpc-keepalive-min-time=1d"], "grpc-keepalive-min-time", "1d" },
        { ["--tls-min-version=TLS1.1"], "tls-min-version", "TLS1.1" },
        { ["--tls-max-version=tls1.3"], "tls-max-version", "tls1.3" },
        { ["--tls-min-version=TLS1.3", "--tls-max-version=TLS1.2"], "tls-min-version", "TLS1.3" },
        { ["--listen-cipher-suites=TLS_FOO"], "listen-cipher-suites", "TLS_FOO" },
        { ["--listen-cipher-suites=TLS_RSA_WITH_AES_128_CBC_SHA", "--tls-min-version=TLS1.3"], "listen-cipher-suites", "TLS_RSA_WITH_AES_128_CBC_SHA" },
        { ["--auto-tls", "--self-signed-cert-validity=0"], "self-signed-cert-validity", "0" },
        { ["--self-signed-cert-validity=-1"], "self-signed-cert-validity", "-1" },
        { ["--cert=/no/such/file"], "cert", "/no/such/file" },
        { ["--cacert=/no/such/file"], "cacert", "/no/such/file" },
        { ["--cert-file=/no/such/file"], "cert-file", "/no/such/file" },
        { ["--client-crl-file=/no/such/file"], "client-crl-file", "/no/such/file" },
        { ["--debug=maybe"], "debug", "maybe" },
        { ["--auto-tls=yes"], "auto-tls", "yes" },
        { ["--pick-policy=fastest"], "pick-policy", "fastest" },
        { ["--health-check=grpc"], "health-check", "grpc" },
        { ["--drain-timeout=1y"], "drain-timeout", "1y" },
        { ["--log-level=trace"], "log-level", "trace" },
        { ["--metrics-addr=https://127.0.0.1:9090"], "metrics-addr", "https://127.0.0.1:9090" },
        { ["--listen-cipher-suites=TLS_RSA_WITH_RC4_128_SHA"], "listen-cipher-suites", "TLS_RSA_WITH_RC4_128_SHA" },
        { ["--listen-cipher-suites=TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"], "listen-cipher-suites", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
        { ["--listen-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], "listen-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
        { ["--cache-max-entries=-1"], "cache-max-entries", "-1" },
        { ["--cache-max-entries=many"], "cache-max-entries", "many" },
        { ["--cache-max-bytes=0"], "cache-max-bytes", "0" },
        { ["--cache-max-bytes=64MiB"], "cache-max-bytes", "64MiB" },
        { ["--cache-entry-ttl=0s"], "cache-entry-ttl", "0s" },
        { ["--cache-entry-ttl=1"], "cache-entry-ttl", "1" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_Input_Names_The_Flag_And_Value(string[] args, string flag, string value)
    {
        var error = Assert.Throws<UsageException>(() => Load(args));
        Assert.Equal((flag, value), (error.Flag, error.Value));
        Assert.False(error.IsNotSupportedYet);
        Assert.Contains($"--{flag}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registration_Takes_Prefix_Ttl_And_Advertise_Url_Together()
    {
        var (_, proxy) = Load("--resolver-prefix=/proxies", "--resolver-ttl=60", "--advertise-client-url=10.0.0.1:23790");
        Assert.Equal(("/proxies", 60, "10.0.0.1:23790"), (proxy.ResolverPrefix, proxy.ResolverTtl, proxy.AdvertiseClientUrl));

        // An advertise URL alone (MemberList answers the proxy itself) or an empty one (MemberList is forwarded) is no error.
        Assert.Equal("", Load("--advertise-client-url=").Proxy.AdvertiseClientUrl);
        Assert.Equal("https://proxy.example:443", Load("--advertise-client-url=https://proxy.example:443").Proxy.AdvertiseClientUrl);
    }

    public static TheoryData<string[], string> NotBuiltYet => new()
    {
        { ["--enable-pprof"], "enable-pprof" },
        { ["--experimental-serializable-ordering"], "experimental-serializable-ordering" },
        { ["--experimental-leasing-prefix=_lease"], "experimental-leasing-prefix" },
        { ["--experimental-enable-grpc-logging"], "experimental-enable-grpc-logging" },
    };

    [Theory]
    [InlineData("1s")]
    [InlineData("0s")]
    [InlineData("10m")]
    public void A_Keepalive_Min_Time_Other_Than_Etcds_Default_Is_Accepted_With_A_Warning_That_It_Is_Not_Enforced(string value)
    {
        var (shared, proxy) = Load([$"--grpc-keepalive-min-time={value}"]);
        Assert.Equal(GoDurationOf(value), proxy.GrpcKeepAliveMinTime);
        var notice = Assert.Single(shared.Notices, n => n.Flag == "grpc-keepalive-min-time");
        Assert.Equal((LogLevel.Warn, GoDuration.Format(GoDurationOf(value))), (notice.Level, notice.Value));
        Assert.Contains("not enforced", notice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcds_Default_Keepalive_Min_Time_Needs_No_Warning() =>
        Assert.DoesNotContain(Load(["--grpc-keepalive-min-time=5s"]).Shared.Notices, n => n.Flag == "grpc-keepalive-min-time");

    private static TimeSpan GoDurationOf(string value) =>
        GoDuration.TryParse(value, out var parsed, out _) ? parsed : throw new ArgumentException(value);

    [Theory]
    [MemberData(nameof(NotBuiltYet))]
    public void Flags_Not_Built_Yet_Are_Refused(string[] args, string flag)
    {
        var error = Assert.Throws<UsageException>(() => Load(args));
        Assert.True(error.IsNotSupportedYet);
        Assert.Equal(flag, error.Flag);
        Assert.Contains($"flag --{flag}=", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported yet", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Namespace_Is_Taken_As_Given_From_The_Command_Line_And_The_Config_File()
    {
        Assert.Equal("app/", Load("--namespace=app/").Proxy.Namespace);
        var file = Path.Combine(_dir, "namespace.yaml");
        File.WriteAllText(file, "namespace: team/a/\n");
        Assert.Equal("team/a/", Load($"--config-file={file}").Proxy.Namespace);
        Assert.Equal("", Load().Proxy.Namespace);
    }

    [Fact]
    public void Tls_Files_Are_Checked_At_Start()
    {
        var (named, namedKey) = TestCertificate("CN=proxy");
        var (unnamed, unnamedKey) = TestCertificate("O=proxy");
        var (_, proxy) = Load($"--cert={unnamed}", $"--key={unnamedKey}", $"--cert-file={named}", $"--key-file={namedKey}", $"--trusted-ca-file={named}");
        Assert.Equal((unnamed, unnamedKey), (proxy.ClusterTls.CertFile, proxy.ClusterTls.KeyFile));
        Assert.Equal((named, namedKey, named), (proxy.ClientTls.CertFile, proxy.ClientTls.KeyFile, proxy.ClientTls.TrustedCaFile));
        Assert.True(proxy.ClientTls.RequiresClientCertificates);

        // etcd's rule: a member with client-certificate auth would take the proxy's CN as the user of every call.
        var withName = Assert.Throws<UsageException>(() => Load($"--cert={named}", $"--key={namedKey}"));
        Assert.Equal(("cert", named), (withName.Flag, withName.Value));
        Assert.Contains("Common Name (proxy)", withName.Message, StringComparison.Ordinal);

        Assert.Equal("cert-file", Assert.Throws<UsageException>(() => Load($"--cert-file={named}")).Flag);
        Assert.Equal("key-file", Assert.Throws<UsageException>(() => Load($"--key-file={namedKey}")).Flag);
        Assert.Equal("key", Assert.Throws<UsageException>(() => Load($"--key={unnamedKey}")).Flag);
        var mismatched = Assert.Throws<UsageException>(() => Load($"--cert={unnamed}", $"--key={namedKey}"));
        Assert.Equal("cert", mismatched.Flag);
        Assert.Contains("cannot load the certificate with --key", mismatched.Message, StringComparison.Ordinal);
        Assert.Equal("trusted-ca-file", Assert.Throws<UsageException>(() => Load($"--trusted-ca-file={named}")).Flag);
        Assert.Equal("cacert", Assert.Throws<UsageException>(() => Load($"--cacert={namedKey}")).Flag);
    }

    [Fact]
    public void Client_Tls_Takes_Etcds_Cipher_Suite_Names_And_A_Revocation_List_Only_With_Client_Certificates()
    {
        var (cert, key) = TestCertificate("CN=proxy");
        var (_, proxy) = Load($"--cert-file={cert}", $"--key-file={key}", "--listen-cipher-suites=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_RSA_WITH_AES_128_GCM_SHA256");
        Assert.Equal([TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256], proxy.ClientTls.CipherSuites);
        Assert.False(proxy.ClientTls.RequiresClientCertificates);

        var crl = Path.Combine(_dir, "empty.crl");
        File.WriteAllBytes(crl, EmptyRevocationList(cert, key));
        var withoutCa = Assert.Throws<UsageException>(() => Load($"--cert-file={cert}", $"--key-file={key}", $"--client-crl-file={crl}"));
        Assert.Equal("client-crl-file", withoutCa.Flag);
        Assert.Equal(crl, Load($"--cert-file={cert}", $"--key-file={key}", $"--trusted-ca-file={cert}", $"--client-crl-file={crl}").Proxy.ClientTls.CrlFile);
        var notAList = Assert.Throws<UsageException>(() => Load($"--cert-file={cert}", $"--key-file={key}", $"--trusted-ca-file={cert}", $"--client-crl-file={cert}"));
        Assert.Equal(("client-crl-file", cert), (notAList.Flag, notAList.Value));
    }

    [Fact]
    public void Auto_Tls_Names_The_Listen_Host()
    {
        var (_, proxy) = Load("--auto-tls", "--listen-addr=localhost:0", "--self-signed-cert-validity=3");
        Assert.True(proxy.ClientTls.AutoTls);
        Assert.True(proxy.ClientTls.IsConfigured);
        Assert.Equal(("localhost", 3), (proxy.ClientTls.ListenHost, proxy.ClientTls.SelfSignedCertValidityYears));
    }

    [Fact]
    public void Cluster_Tls_Makes_Schemeless_Members_Tls_And_Leaves_Http_Ones_Plain()
    {
        var (plain, _) = Load("--endpoints=10.0.0.1:2379,https://10.0.0.2:2379");
        Assert.Equal([false, true], plain.Endpoints.Select(e => e.Tls));

        var ca = TestCertificate("CN=ca").Cert;
        var (shared, proxy) = Load($"--cacert={ca}", "--endpoints=10.0.0.1:2379,http://10.0.0.2:2379,https://10.0.0.3:2379");
        Assert.Equal([true, false, true], shared.Endpoints.Select(e => e.Tls));
        Assert.True(proxy.ClusterTls.IsConfigured);

        var (insecure, _) = Load("--insecure-skip-tls-verify");
        Assert.True(Assert.Single(insecure.Endpoints).Tls);
        Assert.True(insecure.Health.InsecureSkipVerify);
    }

    [Fact]
    public void Health_Probes_Present_And_Trust_What_Calls_Do_Unless_Told_Otherwise()
    {
        var (cert, key) = TestCertificate("O=proxy");
        var ca = TestCertificate("CN=ca").Cert;
        var (own, ownKey) = TestCertificate("CN=probe");
        var (shared, _) = Load($"--cert={cert}", $"--key={key}", $"--cacert={ca}");
        Assert.Equal((cert, key, ca), (shared.Health.CertFile, shared.Health.KeyFile, shared.Health.CaCertFile));
        Assert.False(shared.Health.InsecureSkipVerify);

        var (overridden, _) = Load($"--cert={cert}", $"--key={key}", $"--cacert={ca}", $"--health-cert={own}", $"--health-key={ownKey}", $"--health-cacert={own}");
        Assert.Equal((own, ownKey, own), (overridden.Health.CertFile, overridden.Health.KeyFile, overridden.Health.CaCertFile));

        var (none, _) = Load();
        Assert.Equal((null, null, null), (none.Health.CertFile, none.Health.KeyFile, none.Health.CaCertFile));
    }

    [Fact]
    public void Config_File_Takes_The_Proxys_Keys_And_Points_At_Itself()
    {
        var file = Path.Combine(_dir, "proxy.yaml");
        File.WriteAllText(file, "endpoints: [10.0.0.1:2379, 10.0.0.2:2379]\nmax-send-bytes: 2097152\ndrain-timeout: 5s\n");
        var (shared, proxy) = Load($"--config-file={file}", "--drain-timeout=7s");
        Assert.Equal(2, shared.Endpoints.Count);
        Assert.Equal(2097152, proxy.MaxSendBytes);
        Assert.Equal(TimeSpan.FromSeconds(7), shared.DrainTimeout);

        File.WriteAllText(file, "max-recv-bytes: lots\n");
        var bad = Assert.Throws<UsageException>(() => Load($"--config-file={file}"));
        Assert.Equal("config-file", bad.Flag);
        Assert.Contains("max-recv-bytes: invalid value \"lots\"", bad.Message, StringComparison.Ordinal);

        File.WriteAllText(file, "experimental-leasing-prefix: _lease\n");
        var refused = Assert.Throws<UsageException>(() => Load($"--config-file={file}"));
        Assert.Contains("flag --experimental-leasing-prefix=\"_lease\" is not supported yet", refused.Message, StringComparison.Ordinal);
        Assert.Contains(file, refused.Message, StringComparison.Ordinal);

        File.WriteAllText(file, "retry-delay-typo: 1s\n");
        Assert.Contains("unknown key \"retry-delay-typo\"", Assert.Throws<UsageException>(() => Load($"--config-file={file}")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_Only_Flags_Are_Unknown_To_The_Proxy()
    {
        // etcd's gateway verifies SRV targets with --trusted-ca-file; its proxy uses that name for client certificates.
        var definition = GrpcProxyFlags.All.Single(f => f.Name == GrpcProxyFlags.TrustedCaFile);
        Assert.Contains("proxy", definition.Help, StringComparison.Ordinal);
        Assert.Equal(GrpcProxyFlags.CaCert, GrpcProxyFlags.Table.DiscoveryCaFlag);
        Assert.Equal(GatewayFlags.TrustedCaFile, GatewayFlags.Table.DiscoveryCaFlag);
    }

    private (string Cert, string Key) TestCertificate(string subject = "CN=proxy")
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var stem = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(stem + ".crt", certificate.ExportCertificatePem());
        File.WriteAllText(stem + ".key", rsa.ExportPkcs8PrivateKeyPem());
        return (stem + ".crt", stem + ".key");
    }

    /// <summary>A DER revocation list, signed by the given CA, that revokes nothing.</summary>
    private static byte[] EmptyRevocationList(string caCert, string caKey)
    {
        using var issuer = X509Certificate2.CreateFromPemFile(caCert, caKey);
        return new CertificateRevocationListBuilder().Build(issuer, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }
}
