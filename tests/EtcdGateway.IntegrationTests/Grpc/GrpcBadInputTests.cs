using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// <c>grpc-proxy start</c> with bad input, through the real executable: one line on stderr naming the flag and the value,
/// exit code 2, nothing started. Flags whose behaviour is not built yet are refused the same way, never ignored.
/// </summary>
public class GrpcBadInputTests
{
    public static TheoryData<string[], string> Cases => new()
    {
        { ["grpc-proxy"], "" },
        { ["grpc-proxy", "stop"], "unknown command \"stop\" for \"etcd-gateway grpc-proxy\"" },
        { ["grpc-proxy", "start", "--bogus"], "unknown flag: --bogus" },
        { ["grpc-proxy", "start", "--listen-addr=127.0.0.1"], "invalid value \"127.0.0.1\" for flag --listen-addr: missing port" },
        { ["grpc-proxy", "start", "--endpoints=host:abc"], "invalid value \"host:abc\" for flag --endpoints" },
        { ["grpc-proxy", "start", "--endpoints=no-such-host.invalid:2379"], "invalid value \"no-such-host.invalid:2379\" for flag --endpoints: cannot resolve host" },
        { ["grpc-proxy", "start", "--max-send-bytes=1.5MiB"], "invalid value \"1.5MiB\" for flag --max-send-bytes" },
        { ["grpc-proxy", "start", "--max-recv-bytes=-1"], "invalid value \"-1\" for flag --max-recv-bytes" },
        { ["grpc-proxy", "start", "--max-concurrent-streams=0"], "invalid value \"0\" for flag --max-concurrent-streams" },
        { ["grpc-proxy", "start", "--resolver-prefix=/proxies"], "invalid value \"0\" for flag --resolver-ttl" },
        { ["grpc-proxy", "start", "--resolver-ttl=30"], "invalid value \"30\" for flag --resolver-ttl: a TTL needs --resolver-prefix" },
        { ["grpc-proxy", "start", "--resolver-prefix=/p", "--resolver-ttl=-3"], "invalid value \"-3\" for flag --resolver-ttl" },
        { ["grpc-proxy", "start", "--resolver-prefix=/p", "--resolver-ttl=30", "--advertise-client-url="], "invalid value \"\" for flag --advertise-client-url" },
        { ["grpc-proxy", "start", "--grpc-keepalive-interval=2"], "invalid value \"2\" for flag --grpc-keepalive-interval" },
        { ["grpc-proxy", "start", "--dial-keepalive-time=-1s"], "invalid value \"-1s\" for flag --dial-keepalive-time" },
        { ["grpc-proxy", "start", "--tls-min-version=TLS1.0"], "invalid value \"TLS1.0\" for flag --tls-min-version" },
        { ["grpc-proxy", "start", "--tls-min-version=TLS1.3", "--tls-max-version=TLS1.2"], "invalid value \"TLS1.3\" for flag --tls-min-version" },
        { ["grpc-proxy", "start", "--listen-cipher-suites=TLS_BOGUS"], "invalid value \"TLS_BOGUS\" for flag --listen-cipher-suites" },
        { ["grpc-proxy", "start", "--cert-file=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --cert-file: no such file" },
        { ["grpc-proxy", "start", "--cacert=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --cacert: no such file" },
        { ["grpc-proxy", "start", "--debug=maybe"], "invalid value \"maybe\" for flag --debug" },
        { ["grpc-proxy", "start", "--pick-policy=fastest"], "invalid value \"fastest\" for flag --pick-policy" },
        { ["grpc-proxy", "start", "--config-file=/nonexistent.yaml"], "invalid value \"/nonexistent.yaml\" for flag --config-file: no such file" },
        { ["grpc-proxy", "start", "--discovery-srv=bad_domain..x"], "invalid value \"bad_domain..x\" for flag --discovery-srv: expected a DNS domain name" },
        { ["grpc-proxy", "start", "--metrics-addr=127.0.0.1"], "invalid value \"127.0.0.1\" for flag --metrics-addr: missing port" },
        { ["grpc-proxy", "start", "--endpoints-auto-sync-interval=1x"], "invalid value \"1x\" for flag --endpoints-auto-sync-interval: unknown unit \"x\" in duration" },
        { ["grpc-proxy", "start", "--dial-keepalive-timeout=-2s"], "invalid value \"-2s\" for flag --dial-keepalive-timeout: must not be negative" },
        { ["grpc-proxy", "start", "--grpc-keepalive-timeout=3"], "invalid value \"3\" for flag --grpc-keepalive-timeout: missing unit in duration" },
        { ["grpc-proxy", "start", "--grpc-keepalive-min-time=1d"], "invalid value \"1d\" for flag --grpc-keepalive-min-time: unknown unit \"d\" in duration" },
        { ["grpc-proxy", "start", "--auto-tls", "--data-dir=/proc/version/x"], "invalid value \"/proc/version/x\" for flag --data-dir: cannot make or read the --auto-tls certificate" },
        { ["grpc-proxy", "start", "--cert=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --cert: no such file" },
        { ["grpc-proxy", "start", "--key=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --key: no such file" },
        { ["grpc-proxy", "start", "--key-file=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --key-file: no such file" },
        { ["grpc-proxy", "start", "--trusted-ca-file=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --trusted-ca-file: no such file" },
        { ["grpc-proxy", "start", "--client-crl-file=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --client-crl-file: no such file" },
        { ["grpc-proxy", "start", "--self-signed-cert-validity=abc"], "invalid value \"abc\" for flag --self-signed-cert-validity: expected a whole number" },
        { ["grpc-proxy", "start", "--tls-max-version=TLS1.1"], "invalid value \"TLS1.1\" for flag --tls-max-version: expected TLS1.2 or TLS1.3" },
        { ["grpc-proxy", "start", "--dns-server=abc"], "invalid value \"abc\" for flag --dns-server: \"abc\" is not an IP address" },
        { ["grpc-proxy", "start", "--retry-delay=0s"], "invalid value \"0s\" for flag --retry-delay: must be positive" },
        { ["grpc-proxy", "start", "--dial-timeout=0"], "invalid value \"0\" for flag --dial-timeout: must be positive" },
        { ["grpc-proxy", "start", "--drain-timeout=-1s"], "invalid value \"-1s\" for flag --drain-timeout: must not be negative" },
        { ["grpc-proxy", "start", "--log-level=verbose"], "invalid value \"verbose\" for flag --log-level: expected debug, info, warn or error" },
        { ["grpc-proxy", "start", "--health-check=grpc"], "invalid value \"grpc\" for flag --health-check: expected auto, http, tcp or none" },
        { ["grpc-proxy", "start", "--health-interval=0s"], "invalid value \"0s\" for flag --health-interval: must be positive" },
        { ["grpc-proxy", "start", "--health-timeout=x"], "invalid value \"x\" for flag --health-timeout: invalid duration" },
        { ["grpc-proxy", "start", "--health-unhealthy-threshold=0"], "invalid value \"0\" for flag --health-unhealthy-threshold: expected a whole number of at least 1" },
        { ["grpc-proxy", "start", "--health-healthy-threshold=-1"], "invalid value \"-1\" for flag --health-healthy-threshold: expected a whole number of at least 1" },
        { ["grpc-proxy", "start", "--health-cacert=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --health-cacert: no such file" },
        { ["grpc-proxy", "start", "--health-cert=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --health-cert: no such file" },
        { ["grpc-proxy", "start", "--health-key=/nonexistent.pem"], "invalid value \"/nonexistent.pem\" for flag --health-key: no such file" },
        { ["grpc-proxy", "start", "--eject-grace=-1s"], "invalid value \"-1s\" for flag --eject-grace: must not be negative" },
        { ["grpc-proxy", "start", "--cache-max-entries=-1"], "invalid value \"-1\" for flag --cache-max-entries: must be between 0 and 2147483647" },
        { ["grpc-proxy", "start", "--cache-max-bytes=1x"], "invalid value \"1x\" for flag --cache-max-bytes: expected a whole number" },
        { ["grpc-proxy", "start", "--cache-entry-ttl=-1s"], "invalid value \"-1s\" for flag --cache-entry-ttl: must be positive" },
        { ["grpc-proxy", "start", "--watch-history-size=0"], "invalid value \"0\" for flag --watch-history-size: must be between 1 and 2147483647" },
        { ["grpc-proxy", "start", "--watch-catch-up-limit=0"], "invalid value \"0\" for flag --watch-catch-up-limit: must be between 1 and 2147483647" },
        { ["grpc-proxy", "start", "--experimental-serializable-ordering"], "flag --experimental-serializable-ordering=\"true\" is not supported yet by \"grpc-proxy start\"" },
        { ["grpc-proxy", "start", "--enable-pprof"], "flag --enable-pprof=\"true\" is not supported yet" },
        { ["grpc-proxy", "start", "--experimental-leasing-prefix=_l"], "flag --experimental-leasing-prefix=\"_l\" is not supported yet" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_IsOneLine_Exit2(string[] args, string expected)
    {
        string[] withListen = args is ["grpc-proxy", "start", ..] && !args.Any(a => a.StartsWith("--listen-addr", StringComparison.Ordinal))
            ? [.. args, $"--listen-addr=127.0.0.1:{FreePorts.Next()}"]
            : args;
        var result = await GatewayProcess.RunToExitAsync(withListen);
        if (expected.Length == 0)
        {
            // The bare command prints its help on stderr, as the other commands do.
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("grpc-proxy start", result.StdErr, StringComparison.Ordinal);
            return;
        }

        UsageErrorAssert.IsUsageError(result, expected);
    }

    [Fact]
    public async Task ListenAddressInUse_IsRefused()
    {
        using var occupant = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        occupant.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        occupant.Listen(1);
        var port = ((System.Net.IPEndPoint)occupant.LocalEndPoint!).Port;
        var result = await GatewayProcess.RunToExitAsync(["grpc-proxy", "start", $"--listen-addr=127.0.0.1:{port}", $"--endpoints=127.0.0.1:{FreePorts.Next()}"]);
        UsageErrorAssert.IsUsageError(result, $"invalid value \"127.0.0.1:{port}\" for flag --listen-addr: address already in use");
    }

    /// <summary>Flags that take a value for which no value is bad input (etcd takes any string there too).</summary>
    private static readonly string[] AnyValueIsFine = ["namespace", "discovery-srv-name"];

    [Fact]
    public async Task Every_Flag_That_Takes_A_Value_Has_A_Bad_Input_Case_And_The_Help_Gives_Its_Default()
    {
        var help = await GatewayProcess.RunToExitAsync(["grpc-proxy", "start", "--help"]);
        Assert.Equal(0, help.ExitCode);
        var flags = help.StdOut.Split('\n')
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"^\s+--(?<name>[a-z0-9-]+) (?<type>string|strings|duration|int)\s"))
            .Where(m => m.Success)
            .Select(m => (Name: m.Groups["name"].Value, Type: m.Groups["type"].Value, Line: m.Value))
            .ToList();
        Assert.True(flags.Count > 40, help.StdOut);

        var named = Cases.Select(c => (string[])c.Data.Item1).SelectMany(args => args).Where(a => a.StartsWith("--", StringComparison.Ordinal))
            .Select(a => a[2..].Split('=')[0]).ToHashSet();
        var uncovered = flags.Select(f => f.Name).Where(name => !named.Contains(name) && !AnyValueIsFine.Contains(name)).ToList();
        Assert.True(uncovered.Count == 0, $"no bad-input case for: {string.Join(", ", uncovered)}");

        // Durations and numbers always have a default, and --help says it (strings say theirs unless it is empty, as Go's does).
        var lines = help.StdOut.Split('\n');
        foreach (var (name, type, _) in flags.Where(f => f.Type is "duration" or "int"))
        {
            Assert.Contains(lines, l => l.Contains($"--{name} {type}", StringComparison.Ordinal) && l.Contains("(default ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Help_ListsEtcdsFlagsWithEtcdsDefaults()
    {
        var result = await GatewayProcess.RunToExitAsync(["grpc-proxy", "start", "--help"]);
        Assert.Equal(0, result.ExitCode);
        foreach (var expected in new[]
        {
            "--listen-addr string", "(default \"127.0.0.1:23790\")", "(default \"127.0.0.1:2379\")", "--max-send-bytes int", "(default 1572864)",
            "(default 2147483647)", "--grpc-keepalive-interval duration", "(default 2h0m0s)", "(default \"default.proxy\")", "(default \"TLS1.2\")",
            "--drain-timeout duration", "--health-check string",
        })
        {
            Assert.Contains(expected, result.StdOut, StringComparison.Ordinal);
        }
    }
}
