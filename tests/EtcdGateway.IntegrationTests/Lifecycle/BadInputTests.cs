using System.Net;
using System.Net.Sockets;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Lifecycle;

/// <summary>Every kind of bad input: one line on stderr naming the flag and the value, exit code 2, nothing started.</summary>
public class BadInputTests
{
    public static TheoryData<string[], string> Cases => new()
    {
        { ["start", "--bogus=1"], "unknown flag: --bogus" },
        { ["gateway", "start", "--endpoints=host:abc"], "invalid value \"host:abc\" for flag --endpoints" },
        { ["start", "--endpoints=127.0.0.1:70000"], "invalid value \"127.0.0.1:70000\" for flag --endpoints" },
        { ["start", "--retry-delay=123"], "invalid value \"123\" for flag --retry-delay" },
        { ["start", "--dial-timeout=soon"], "invalid value \"soon\" for flag --dial-timeout" },
        { ["start", "--pick-policy=fastest"], "invalid value \"fastest\" for flag --pick-policy" },
        { ["start", "--listen-addr=127.0.0.1:abc"], "invalid value \"127.0.0.1:abc\" for flag --listen-addr" },
        { ["start", "--endpoints=no-such-host.invalid:2379"], "invalid value \"no-such-host.invalid:2379\" for flag --endpoints: cannot resolve host" },
        { ["start", "--discovery-srv=example.invalid", "--dns-server=127.0.0.1:1"], "invalid value \"example.invalid\" for flag --discovery-srv" },
        { ["start", "--trusted-ca-file=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --trusted-ca-file" },
        { ["grpc-proxy", "stop"], "unknown command \"stop\" for \"etcd-gateway grpc-proxy\"" },
        { ["grpc-proxy", "start", "--experimental-leasing-prefix=_lease"], "flag --experimental-leasing-prefix=\"_lease\" is not supported yet" },
        { ["stop"], "unknown command \"stop\"" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsOneLine_Exit2(string[] args, string expected) =>
        UsageErrorAssert.IsUsageError(await GatewayProcess.RunToExitAsync(args), expected);

    [Theory]
    [InlineData("ETCD_GATEWAY_LOOPS", "0", "invalid value \"0\" for environment variable ETCD_GATEWAY_LOOPS")]
    [InlineData("ETCD_GATEWAY_LOOPS", "two", "invalid value \"two\" for environment variable ETCD_GATEWAY_LOOPS")]
    public async Task BadLoopCount_IsOneLine_Exit2_NotAQuietFallback(string variable, string value, string expected) =>
        UsageErrorAssert.IsUsageError(
            await GatewayProcess.RunToExitAsync(["start", $"--endpoints=127.0.0.1:{FreePorts.Next()}"], environment: new Dictionary<string, string> { [variable] = value }),
            expected);

    [Fact]
    public async Task EndpointThatIsTheListenAddress_IsRefused()
    {
        var port = FreePorts.Next();
        var result = await GatewayProcess.RunToExitAsync(["start", $"--listen-addr=127.0.0.1:{port}", $"--endpoints=localhost:{port}"]);
        UsageErrorAssert.IsUsageError(result, $"invalid value \"localhost:{port}\" for flag --endpoints: resolves to 127.0.0.1:{port}");
    }

    [Fact]
    public async Task ListenAddressInUse_IsRefused_AndTheOtherListenerIsUntouched()
    {
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupant.Listen(1);
        var port = ((IPEndPoint)occupant.LocalEndPoint!).Port;

        var result = await GatewayProcess.RunToExitAsync(["start", $"--listen-addr=127.0.0.1:{port}"]);

        UsageErrorAssert.IsUsageError(result, $"invalid value \"127.0.0.1:{port}\" for flag --listen-addr: address already in use");
        using var probe = await Loopback.ConnectAsync(port);
        using var accepted = await occupant.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task BareHostWithoutPort_IsAccepted_WithAnInfoLog()
    {
        await using var gateway = await GatewayProcess.StartAsync(["--endpoints=localhost"]);
        var notice = Assert.Single(gateway.LogEntries("endpoint has no port; using etcd's client port 2379"));
        Assert.Equal("info", notice.GetProperty("level").GetString());
        var ready = Assert.Single(gateway.LogEntries("ready to proxy client requests"));
        Assert.Equal(["localhost:2379"], ready.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task UrlEndpoint_IsStripped_WithAWarningThatTlsPassesThrough()
    {
        await using var gateway = await GatewayProcess.StartAsync(["--endpoints=https://127.0.0.1:2379"]);
        var notice = Assert.Single(gateway.LogEntries("stripped URL scheme from endpoint; the gateway passes TLS through and does not terminate it"));
        Assert.Equal("warn", notice.GetProperty("level").GetString());
    }

    [Fact]
    public async Task Version_And_Help_ExitZero()
    {
        var version = await GatewayProcess.RunToExitAsync(["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.StartsWith("etcd-gateway Version:", version.StdOut, StringComparison.Ordinal);

        var help = await GatewayProcess.RunToExitAsync(["gateway", "start", "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--endpoints strings", help.StdOut, StringComparison.Ordinal);
    }
}
