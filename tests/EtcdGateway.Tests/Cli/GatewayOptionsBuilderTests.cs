using EtcdGateway.Balancing;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Cli;

public class GatewayOptionsBuilderTests
{
    private static GatewayOptions Build(params string[] args) => GatewayOptionsBuilder.Build(FlagParser.Parse(args, GatewayFlags.All));

    [Fact]
    public void Defaults_MatchEtcdsGateway()
    {
        var options = Build();
        Assert.Equal([new EndpointAddress("127.0.0.1", 2379)], options.Endpoints);
        Assert.Equal(new EndpointAddress("127.0.0.1", 23790), options.ListenAddress);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(2), options.DialTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DrainTimeout);
        Assert.Equal(PickPolicyKind.RoundRobin, options.PickPolicy);
        Assert.Equal(LogLevel.Info, options.LogLevel);
        Assert.Empty(options.Notices);
    }

    [Fact]
    public void Defaults_Of_Our_Own_Flags_Come_From_The_One_Table()
    {
        var options = Build();
        Assert.Equal(GoDurationOf(GatewayFlags.HealthInterval), options.Health.Interval);
        Assert.Equal(GoDurationOf(GatewayFlags.HealthTimeout), options.Health.Timeout);
        Assert.Equal(GoDurationOf(GatewayFlags.EjectGrace), options.Health.EjectGrace);
        Assert.Equal(GoDurationOf(GatewayFlags.AutoSyncInterval), options.AutoSyncInterval);
        Assert.Equal(int.Parse(GatewayFlags.DefaultOf(GatewayFlags.HealthUnhealthyThreshold), System.Globalization.CultureInfo.InvariantCulture), options.Health.UnhealthyThreshold);
        Assert.Equal(HealthCheckMode.Auto, options.Health.Mode);
        Assert.Equal("auto", GatewayFlags.DefaultOf(GatewayFlags.HealthCheck));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)), (options.Health.Interval, options.Health.Timeout, options.Health.EjectGrace));
    }

    private static TimeSpan GoDurationOf(string flag) =>
        GoDuration.TryParse(GatewayFlags.DefaultOf(flag), out var value, out var error) ? value : throw new FormatException(error);

    [Fact]
    public void Endpoints_KeepOrderAndDropDuplicates()
    {
        var options = Build("--endpoints=b:1,a:1", "--endpoints=b:1,c:1");
        Assert.Equal(["b:1", "a:1", "c:1"], options.Endpoints.Select(e => e.ToString()));
    }

    [Fact]
    public void BareHost_GetsPort2379_WithAnInfoNotice()
    {
        var options = Build("--endpoints=infra0.example.com,infra1.example.com");
        Assert.All(options.Endpoints, e => Assert.Equal(2379, e.Port));
        Assert.Equal(2, options.Notices.Count);
        Assert.All(options.Notices, n => Assert.Equal(LogLevel.Info, n.Level));
    }

    [Fact]
    public void SchemePrefix_IsStripped_WithAWarningAboutPassthrough()
    {
        var options = Build("--endpoints=https://10.0.0.1:2379");
        Assert.Equal(new EndpointAddress("10.0.0.1", 2379) { Tls = true }, options.Endpoints[0]);
        var notice = Assert.Single(options.Notices);
        Assert.Equal(LogLevel.Warn, notice.Level);
        Assert.Contains("passes TLS through", notice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenAddress_WithoutHost_MeansEveryInterface() =>
        Assert.Equal(new EndpointAddress("0.0.0.0", 23790), Build("--listen-addr=:23790").ListenAddress);

    [Fact]
    public void ListenPortZero_AsksForAnyFreePort() =>
        Assert.Equal(0, Build("--listen-addr=127.0.0.1:0").ListenAddress.Port);

    [Fact]
    public void EndpointPortZero_IsRefused() =>
        Assert.Throws<UsageException>(() => Build("--endpoints=127.0.0.1:0"));

    [Fact]
    public void LongestTimerDuration_IsAccepted() =>
        Assert.Equal(TimeSpan.FromHours(1193), Build("--retry-delay=1193h").RetryDelay);

    [Fact]
    public void OurFlags_AreRead()
    {
        var options = Build("--dial-timeout=500ms", "--drain-timeout=0s", "--pick-policy=random", "--log-level=debug", "--retry-delay=1.5s");
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.DialTimeout);
        Assert.Equal(TimeSpan.Zero, options.DrainTimeout);
        Assert.Equal(PickPolicyKind.Random, options.PickPolicy);
        Assert.Equal(LogLevel.Debug, options.LogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.RetryDelay);
    }

    /// <summary>Every bad value is reported naming the flag and the value, so the one line on stderr says what to fix.</summary>
    [Theory]
    [InlineData("--endpoints=host:abc", "--endpoints", "host:abc")]
    [InlineData("--endpoints=host:70000", "--endpoints", "host:70000")]
    [InlineData("--endpoints=,", "--endpoints", ",")]
    [InlineData("--listen-addr=127.0.0.1", "--listen-addr", "127.0.0.1")]
    [InlineData("--listen-addr=http://127.0.0.1:1", "--listen-addr", "http://127.0.0.1:1")]
    [InlineData("--listen-addr=127.0.0.1:99999", "--listen-addr", "127.0.0.1:99999")]
    [InlineData("--retry-delay=123", "--retry-delay", "123")]
    [InlineData("--retry-delay=0s", "--retry-delay", "0s")]
    [InlineData("--retry-delay=-1s", "--retry-delay", "-1s")]
    [InlineData("--dial-timeout=fast", "--dial-timeout", "fast")]
    [InlineData("--drain-timeout=-5s", "--drain-timeout", "-5s")]
    [InlineData("--dial-timeout=1200h", "--dial-timeout", "1200h")]
    [InlineData("--retry-delay=3000000h", "--retry-delay", "3000000h")]
    [InlineData("--endpoints=2379", "--endpoints", "2379")]
    [InlineData("--endpoints=010.0.0.1:2379", "--endpoints", "010.0.0.1:2379")]
    [InlineData("--pick-policy=fastest", "--pick-policy", "fastest")]
    [InlineData("--log-level=loud", "--log-level", "loud")]
    [InlineData("--discovery-srv=example.com:53", "--discovery-srv", "example.com:53")]
    [InlineData("--discovery-srv-name=a_b", "--discovery-srv-name", "a_b")]
    [InlineData("--trusted-ca-file=/nonexistent/ca.pem", "--trusted-ca-file", "/nonexistent/ca.pem")]
    public void BadValue_NamesFlagAndValue(string arg, string flag, string value)
    {
        var error = Assert.Throws<UsageException>(() => Build(arg));
        Assert.StartsWith($"invalid value \"{value}\" for flag {flag}: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("--dns-server=ns1.example.com", "--dns-server", "ns1.example.com")]
    [InlineData("--dns-server=127.0.0.1:0", "--dns-server", "127.0.0.1:0")]
    [InlineData("--dns-server=127.0.0.1:99999", "--dns-server", "127.0.0.1:99999")]
    public void BadDiscoveryValue_NamesFlagAndValue_EvenWithoutDiscoverySrv(string arg, string flag, string value)
    {
        var error = Assert.Throws<UsageException>(() => Build(arg));
        Assert.StartsWith($"invalid value \"{value}\" for flag {flag}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DiscoverySrv_Owns_The_Endpoints_And_Defaults_To_Weighted_Picks()
    {
        var options = Build("--discovery-srv=example.com.", "--discovery-srv-name=blue", "--dns-server=127.0.0.1:5353", "--dns-server=[::1]");
        var discovery = Assert.IsType<EtcdGateway.Discovery.SrvDiscoveryOptions>(options.Discovery);
        Assert.Equal("example.com", discovery.Domain);
        Assert.Equal("_etcd-client-ssl-blue._tcp.example.com", discovery.SecureServiceName);
        Assert.Equal("_etcd-client-blue._tcp.example.com", discovery.PlainServiceName);
        Assert.Equal(["127.0.0.1:5353", "[::1]:53"], discovery.DnsServers.Select(s => s.ToString()));
        Assert.False(discovery.Insecure);
        Assert.Empty(options.Endpoints);
        Assert.Equal("dns-srv", options.EndpointsSource);
        Assert.Equal(PickPolicyKind.Weighted, options.PickPolicy);
    }

    [Fact]
    public void DiscoverySrv_Keeps_An_Explicit_Pick_Policy_And_Notes_Ignored_Endpoints()
    {
        var options = Build("--discovery-srv=example.com", "--pick-policy=least-connections", "--endpoints=10.0.0.1:2379", "--insecure-discovery");
        Assert.Equal(PickPolicyKind.LeastConnections, options.PickPolicy);
        Assert.True(options.Discovery!.Insecure);
        var notice = Assert.Single(options.Notices, n => n.Flag == "endpoints");
        Assert.Equal(LogLevel.Warn, notice.Level);
    }

    [Fact]
    public void Without_DiscoverySrv_The_Discovery_Flags_Change_Nothing()
    {
        var options = Build("--discovery-srv-name=blue", "--dns-server=127.0.0.1:5353", "--insecure-discovery");
        Assert.Null(options.Discovery);
        Assert.Equal([new EndpointAddress("127.0.0.1", 2379)], options.Endpoints);
        Assert.Equal(PickPolicyKind.RoundRobin, options.PickPolicy);
    }

    [Fact]
    public void DiscoverySrv_With_Member_List_Sync_Is_Refused()
    {
        var error = Assert.Throws<UsageException>(() => Build("--discovery-srv=example.com", "--endpoints-auto-sync-interval=30s"));
        Assert.StartsWith("invalid value \"30s\" for flag --endpoints-auto-sync-interval: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("--discovery-srv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Health_Cert_With_An_Ec_Key_Of_Another_Certificate_Is_Bad_Input_Not_A_Crash()
    {
        var dir = Directory.CreateTempSubdirectory("health-cert-").FullName;
        try
        {
            using var root = Endpoints.TestPki.CreateRoot("health-root");
            using var leaf = Endpoints.TestPki.CreateServer(root, "probe.example.test");
            using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var cert = Endpoints.TestPki.WritePem(Path.Combine(dir, "probe.crt"), leaf);
            var key = Path.Combine(dir, "other.key");
            File.WriteAllText(key, other.ExportPkcs8PrivateKeyPem());

            var error = Assert.Throws<UsageException>(() => Build($"--health-cert={cert}", $"--health-key={key}"));

            Assert.Equal(("health-cert", cert), (error.Flag, error.Value));
            Assert.Contains("cannot load the certificate with --health-key", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
