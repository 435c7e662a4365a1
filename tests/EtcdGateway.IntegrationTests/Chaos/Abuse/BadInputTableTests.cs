using System.Net;
using System.Net.Sockets;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Abuse;

/// <summary>
/// Every kind of bad command line and bad config file in one table (some rows repeat cases tested elsewhere, so the whole
/// contract can be read in one place): exit code 2, nothing on stdout, exactly one stderr line that starts with
/// <c>etcd-gateway: </c> and names the flag (for a value that came from the config file: <c>--config-file</c> and the
/// key), and nothing left listening on the proxy or admin port.
/// <para>
/// Placeholders in the arguments: <c>{listen}</c> is 127.0.0.1 and a free port (added as <c>--listen-addr</c> when
/// neither the row nor its config file sets it), <c>{port}</c> that port alone, <c>{admin}</c> an admin URL on another
/// free port, <c>{busy}</c> a port this test holds a listener on, <c>{config}</c> a file with the row's YAML, <c>{pem}</c>
/// a file that is not PEM.
/// </para>
/// </summary>
public sealed class BadInputTableTests : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(10);

    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-abuse-badinput-").FullName;

    /// <summary>Name, arguments, config-file YAML (or null), and the fragments the one stderr line must contain.</summary>
    public static TheoryData<string, string[], string?, string[]> Cases => new()
    {
        // :: Commands and arguments.
        { "unknown command", ["stop"], null, ["unknown command \"stop\""] },
        { "unknown gateway subcommand", ["gateway", "stop"], null, ["unknown command \"stop\"", "etcd-gateway gateway"] },
        { "unknown grpc-proxy subcommand", ["grpc-proxy", "stop"], null, ["unknown command \"stop\"", "etcd-gateway grpc-proxy"] },
        { "stray argument", ["start", "extra"], null, ["unexpected argument \"extra\""] },
        { "argument after --", ["start", "--", "extra"], null, ["unexpected argument \"extra\""] },

        // :: The flag parser.
        { "unknown flag", ["start", "--bogus=1"], null, ["unknown flag: --bogus"] },
        { "unknown flag, one dash", ["gateway", "start", "-bogus"], null, ["unknown flag: --bogus"] },
        { "flag without its value", ["start", "--dial-timeout"], null, ["flag needs an argument: --dial-timeout"] },
        { "boolean that is not one", ["start", "--insecure-discovery=maybe"], null, ["\"maybe\"", "--insecure-discovery"] },

        // :: --endpoints
        { "endpoint port not a number", ["gateway", "start", "--endpoints=host:abc"], null, ["\"host:abc\"", "--endpoints"] },
        { "endpoint port out of range", ["start", "--endpoints=127.0.0.1:70000"], null, ["\"127.0.0.1:70000\"", "--endpoints"] },
        { "endpoint port 0", ["start", "--endpoints=127.0.0.1:0"], null, ["\"127.0.0.1:0\"", "--endpoints"] },
        { "endpoint port negative", ["start", "--endpoints=127.0.0.1:-1"], null, ["\"127.0.0.1:-1\"", "--endpoints"] },
        { "endpoint that is a bare number", ["start", "--endpoints=2379"], null, ["\"2379\"", "--endpoints"] },
        { "endpoint IPv4 with a leading zero", ["start", "--endpoints=010.0.0.1:2379"], null, ["\"010.0.0.1:2379\"", "--endpoints"] },
        { "endpoint IPv6 without ]", ["start", "--endpoints=[::1"], null, ["\"[::1\"", "--endpoints"] },
        { "endpoint with a space", ["start", "--endpoints=a b:2379"], null, ["\"a b:2379\"", "--endpoints"] },
        { "endpoint with another scheme", ["start", "--endpoints=ftp://127.0.0.1:2379"], null, ["\"ftp://127.0.0.1:2379\"", "--endpoints"] },
        { "endpoints empty", ["start", "--endpoints="], null, ["--endpoints", "no endpoints given"] },
        { "endpoints only commas", ["start", "--endpoints=,,"], null, ["--endpoints", "no endpoints given"] },
        { "one bad endpoint among good ones", ["start", "--endpoints=127.0.0.1:1", "--endpoints=127.0.0.1:abc"], null, ["\"127.0.0.1:abc\"", "--endpoints"] },
        { "endpoint host that does not resolve", ["start", "--endpoints=no-such-host.invalid:2379"], null, ["\"no-such-host.invalid:2379\"", "--endpoints", "cannot resolve host"] },
        { "endpoint that is the listen address", ["start", "--listen-addr={listen}", "--endpoints=localhost:{port}"], null, ["\"localhost:{port}\"", "--endpoints", "resolves to 127.0.0.1:{port}"] },

        // :: --listen-addr
        { "listen port not a number", ["start", "--listen-addr=127.0.0.1:abc"], null, ["\"127.0.0.1:abc\"", "--listen-addr"] },
        { "listen port not a number, no host", ["start", "--listen-addr=:abc"], null, ["\":abc\"", "--listen-addr"] },
        { "listen port out of range", ["start", "--listen-addr=127.0.0.1:70000"], null, ["\"127.0.0.1:70000\"", "--listen-addr"] },
        { "listen address without port", ["start", "--listen-addr=127.0.0.1"], null, ["\"127.0.0.1\"", "--listen-addr", "missing port"] },
        { "listen address with a scheme", ["start", "--listen-addr=http://127.0.0.1:{port}"], null, ["\"http://127.0.0.1:{port}\"", "--listen-addr"] },
        { "listen host that does not resolve", ["start", "--listen-addr=no-such-host.invalid:{port}"], null, ["\"no-such-host.invalid:{port}\"", "--listen-addr"] },
        { "listen address not on this machine", ["start", "--listen-addr=192.0.2.1:{port}"], null, ["\"192.0.2.1:{port}\"", "--listen-addr"] },
        { "listen address in use", ["start", "--listen-addr=127.0.0.1:{busy}"], null, ["\"127.0.0.1:{busy}\"", "--listen-addr", "address already in use"] },

        // :: Durations.
        { "retry-delay without unit", ["start", "--retry-delay=123"], null, ["\"123\"", "--retry-delay", "missing unit"] },
        { "retry-delay zero", ["start", "--retry-delay=0s"], null, ["\"0s\"", "--retry-delay"] },
        { "retry-delay negative", ["start", "--retry-delay=-1s"], null, ["\"-1s\"", "--retry-delay"] },
        { "retry-delay too large", ["start", "--retry-delay=1000000h"], null, ["\"1000000h\"", "--retry-delay"] },
        { "retry-delay with exponent", ["start", "--retry-delay=1e3s"], null, ["\"1e3s\"", "--retry-delay"] },
        { "dial-timeout not a duration", ["start", "--dial-timeout=soon"], null, ["\"soon\"", "--dial-timeout"] },
        { "dial-timeout zero", ["start", "--dial-timeout=0s"], null, ["\"0s\"", "--dial-timeout"] },
        { "drain-timeout negative", ["start", "--drain-timeout=-1s"], null, ["\"-1s\"", "--drain-timeout"] },
        { "drain-timeout without unit", ["start", "--drain-timeout=5"], null, ["\"5\"", "--drain-timeout"] },
        { "health-interval without unit", ["start", "--health-interval=1"], null, ["\"1\"", "--health-interval"] },
        { "health-interval zero", ["start", "--health-interval=0s"], null, ["\"0s\"", "--health-interval"] },
        { "health-timeout not a duration", ["start", "--health-timeout=fast"], null, ["\"fast\"", "--health-timeout"] },
        { "health-timeout zero", ["start", "--health-timeout=0s"], null, ["\"0s\"", "--health-timeout"] },
        { "eject-grace negative", ["start", "--eject-grace=-1s"], null, ["\"-1s\"", "--eject-grace"] },
        { "eject-grace without unit", ["start", "--eject-grace=5"], null, ["\"5\"", "--eject-grace"] },
        { "auto-sync interval without unit", ["start", "--endpoints-auto-sync-interval=30"], null, ["\"30\"", "--endpoints-auto-sync-interval"] },
        { "auto-sync interval negative", ["start", "--endpoints-auto-sync-interval=-1m"], null, ["\"-1m\"", "--endpoints-auto-sync-interval"] },

        // :: Choices and numbers.
        { "pick-policy unknown", ["start", "--pick-policy=fastest"], null, ["\"fastest\"", "--pick-policy"] },
        { "pick-policy in the wrong case", ["start", "--pick-policy=Round-Robin"], null, ["\"Round-Robin\"", "--pick-policy"] },
        { "pick-policy empty", ["start", "--pick-policy="], null, ["\"\"", "--pick-policy"] },
        { "log-level unknown", ["start", "--log-level=verbose"], null, ["\"verbose\"", "--log-level"] },
        { "log-level empty", ["start", "--log-level="], null, ["\"\"", "--log-level"] },
        { "health-check unknown", ["start", "--health-check=sometimes"], null, ["\"sometimes\"", "--health-check"] },
        { "health-check empty", ["start", "--health-check="], null, ["\"\"", "--health-check"] },
        { "unhealthy threshold zero", ["start", "--health-unhealthy-threshold=0"], null, ["\"0\"", "--health-unhealthy-threshold"] },
        { "unhealthy threshold negative", ["start", "--health-unhealthy-threshold=-1"], null, ["\"-1\"", "--health-unhealthy-threshold"] },
        { "unhealthy threshold too large", ["start", "--health-unhealthy-threshold=99999999999"], null, ["\"99999999999\"", "--health-unhealthy-threshold"] },
        { "healthy threshold not a number", ["start", "--health-healthy-threshold=many"], null, ["\"many\"", "--health-healthy-threshold"] },
        { "healthy threshold fractional", ["start", "--health-healthy-threshold=1.5"], null, ["\"1.5\"", "--health-healthy-threshold"] },

        // :: Files.
        { "trusted-ca-file missing", ["start", "--trusted-ca-file=/nonexistent.pem"], null, ["\"/nonexistent.pem\"", "--trusted-ca-file"] },
        { "health-cacert missing", ["start", "--health-cacert=/nonexistent.pem"], null, ["\"/nonexistent.pem\"", "--health-cacert"] },
        { "health-cert missing", ["start", "--health-cert=/nonexistent.pem"], null, ["\"/nonexistent.pem\"", "--health-cert"] },
        { "health-key missing", ["start", "--health-key=/nonexistent.pem"], null, ["\"/nonexistent.pem\"", "--health-key"] },
        { "health-cert without health-key", ["start", "--health-cert={pem}"], null, ["--health-cert", "go together"] },
        { "health-key without health-cert", ["start", "--health-key={pem}"], null, ["--health-key", "go together"] },
        { "health-cert and key that are not PEM", ["start", "--health-cert={pem}", "--health-key={pem}"], null, ["--health-cert"] },

        // :: Discovery (validated, then refused: not available yet).
        { "discovery-srv without records", ["start", "--discovery-srv=example.invalid", "--dns-server=127.0.0.1:1"], null, ["\"example.invalid\"", "--discovery-srv", "_etcd-client-ssl._tcp.example.invalid", "_etcd-client._tcp.example.invalid"] },
        { "dns-server a name", ["start", "--dns-server=ns1.example.com"], null, ["\"ns1.example.com\"", "--dns-server"] },
        { "discovery-srv with auto-sync", ["start", "--discovery-srv=example.com", "--endpoints-auto-sync-interval=5s"], null, ["\"5s\"", "--endpoints-auto-sync-interval"] },
        { "discovery-srv an IP", ["start", "--discovery-srv=1.2.3.4"], null, ["\"1.2.3.4\"", "--discovery-srv"] },
        { "discovery-srv a URL", ["start", "--discovery-srv=http://x"], null, ["\"http://x\"", "--discovery-srv"] },
        { "discovery-srv-name with underscore", ["start", "--discovery-srv-name=a_b"], null, ["\"a_b\"", "--discovery-srv-name"] },

        // :: --metrics-addr
        { "metrics-addr https", ["start", "--metrics-addr=https://127.0.0.1:{port}"], null, ["--metrics-addr", "https is not supported"] },
        { "metrics-addr another scheme", ["start", "--metrics-addr=ftp://127.0.0.1:9"], null, ["\"ftp://127.0.0.1:9\"", "--metrics-addr"] },
        { "metrics-addr without port", ["start", "--metrics-addr=127.0.0.1"], null, ["\"127.0.0.1\"", "--metrics-addr", "missing port"] },
        { "metrics-addr port not a number", ["start", "--metrics-addr=http://127.0.0.1:abc"], null, ["\"http://127.0.0.1:abc\"", "--metrics-addr"] },
        { "metrics-addr the proxy's port", ["start", "--listen-addr={listen}", "--metrics-addr=http://{listen}"], null, ["--metrics-addr", "cannot share the proxy's port"] },
        { "metrics-addr in use", ["start", "--metrics-addr=http://127.0.0.1:{busy}"], null, ["--metrics-addr", "address already in use"] },
        { "metrics-addr host that does not resolve", ["start", "--metrics-addr=http://no-such-host.invalid:9"], null, ["no-such-host.invalid", "for flag --metrics-addr"] },
        { "metrics-addr not on this machine", ["start", "--metrics-addr=http://192.0.2.1:9"], null, ["192.0.2.1", "for flag --metrics-addr"] },
        { "admin listener does not start when another flag is bad", ["start", "--metrics-addr={admin}", "--health-check=sometimes"], null, ["\"sometimes\"", "--health-check"] },

        // :: --config-file: the file itself.
        { "config file missing", ["start", "--config-file=/nonexistent.yaml"], null, ["\"/nonexistent.yaml\"", "--config-file", "no such file"] },
        { "config file is a directory", ["start", "--config-file=/tmp"], null, ["\"/tmp\"", "--config-file"] },
        { "config file: unknown key", ["start", "--config-file={config}"], "bogus-key: 1\n", ["--config-file", "unknown key \"bogus-key\""] },
        { "config file: config-file key", ["start", "--config-file={config}"], "config-file: other.yaml\n", ["--config-file", "unknown key \"config-file\""] },
        { "config file: unfinished list", ["start", "--config-file={config}"], "endpoints: [127.0.0.1:2379\nhealth-interval: : :\n", ["--config-file"] },
        { "config file: duplicate key", ["start", "--config-file={config}"], "dial-timeout: 1s\ndial-timeout: 2s\n", ["--config-file", "line 2"] },
        { "config file: not a mapping", ["start", "--config-file={config}"], "- a\n- b\n", ["--config-file", "expected a mapping"] },
        { "config file: unsupported YAML version", ["start", "--config-file={config}"], "%YAML 9.9\n---\ndial-timeout: 1s\n", ["--config-file"] },
        { "config file: list for a single value", ["start", "--config-file={config}"], "dial-timeout: [1s, 2s]\n", ["--config-file", "\"dial-timeout\" takes a single value"] },
        { "config file: mapping for a single value", ["start", "--config-file={config}"], "log-level: {x: 1}\n", ["--config-file", "\"log-level\" takes a single value"] },
        { "config file: nested list of endpoints", ["start", "--config-file={config}"], "endpoints:\n  - [a, b]\n", ["--config-file", "\"endpoints\" takes a list or a string"] },

        // :: --config-file: a bad value in the file points at the file and the key.
        { "config file: duration without unit", ["start", "--config-file={config}"], "health-interval: 1\n", ["--config-file", "health-interval", "\"1\""] },
        { "config file: empty duration", ["start", "--config-file={config}"], "dial-timeout:\n", ["--config-file", "dial-timeout"] },
        { "config file: bad endpoint", ["start", "--config-file={config}"], "endpoints: [host:abc]\n", ["--config-file", "endpoints", "\"host:abc\""] },
        { "config file: bad listen address", ["start", "--config-file={config}"], "listen-addr: 127.0.0.1:abc\n", ["--config-file", "listen-addr", "\"127.0.0.1:abc\""] },
        { "config file: unknown pick policy", ["start", "--config-file={config}"], "pick-policy: fastest\n", ["--config-file", "pick-policy", "\"fastest\""] },
        { "config file: threshold zero", ["start", "--config-file={config}"], "health-unhealthy-threshold: 0\n", ["--config-file", "health-unhealthy-threshold", "\"0\""] },
        { "config file: metrics-addr https", ["start", "--config-file={config}"], "metrics-addr: https://127.0.0.1:9\n", ["--config-file", "metrics-addr"] },
        { "config file: discovery-srv", ["start", "--config-file={config}"], "discovery-srv: example.invalid\ndns-server: 127.0.0.1:1\n", ["--config-file", "discovery-srv", "\"example.invalid\""] },
        { "config file: boolean that is not one", ["start", "--config-file={config}"], "insecure-discovery: maybe\n", ["--config-file", "insecure-discovery", "\"maybe\""] },
        { "config file: endpoint that does not resolve", ["start", "--config-file={config}"], "endpoints: [no-such-host.invalid:2379]\n", ["--config-file", "endpoints", "\"no-such-host.invalid:2379\""] },
        { "config file bad, command line fine", ["start", "--endpoints=127.0.0.1:1", "--config-file={config}"], "bogus-key: 1\n", ["--config-file", "unknown key \"bogus-key\""] },
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_Table(string name, string[] args, string? yaml, string[] expected)
    {
        // The occupied port first: bound afterwards, it could be given the number just picked as free.
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupant.Listen(1);
        var busy = ((IPEndPoint)occupant.LocalEndPoint!).Port;
        var port = FreePorts.Next();
        var adminPort = FreePorts.Next();
        var config = Path.Combine(_dir, "gateway.yaml");
        if (yaml is not null)
        {
            await File.WriteAllTextAsync(config, yaml);
        }

        var pem = Path.Combine(_dir, "not-pem.pem");
        await File.WriteAllTextAsync(pem, "this is not a PEM file\n");

        string Fill(string text) => text
            .Replace("{listen}", $"127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("{port}", $"{port}", StringComparison.Ordinal)
            .Replace("{admin}", $"http://127.0.0.1:{adminPort}", StringComparison.Ordinal)
            .Replace("{busy}", $"{busy}", StringComparison.Ordinal)
            .Replace("{config}", config, StringComparison.Ordinal)
            .Replace("{pem}", pem, StringComparison.Ordinal);

        var arguments = args.Select(Fill).ToList();
        var command = arguments.IndexOf("start");
        var listenGiven = arguments.Any(a => a.StartsWith("--listen-addr", StringComparison.Ordinal)) || (yaml?.Contains("listen-addr", StringComparison.Ordinal) ?? false);
        if (command >= 0 && !listenGiven)
        {
            arguments.Insert(command + 1, $"--listen-addr=127.0.0.1:{port}");
        }

        CommandResult result;
        try
        {
            result = await GatewayProcess.RunToExitAsync(arguments, RunTimeout);
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"{name}: the gateway started instead of refusing [{string.Join(' ', arguments)}]\n{e.Message}");
            return;
        }

        var context = $"{name} [{string.Join(' ', arguments)}]: {result}";
        Assert.True(result.ExitCode == 2, $"expected exit code 2; {context}");
        Assert.True(result.StdOut.Length == 0, $"expected nothing on stdout; {context}");
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected exactly one stderr line; {context}");
        Assert.StartsWith("etcd-gateway: ", lines[0], StringComparison.Ordinal);
        foreach (var fragment in expected.Select(Fill))
        {
            Assert.True(lines[0].Contains(fragment, StringComparison.Ordinal), $"expected \"{fragment}\" in the error line; {context}");
        }

        // Nothing was left listening: both ports can be bound again, and the occupied one still belongs to us.
        AssertFree(port, context);
        AssertFree(adminPort, context);
        using var probe = await Loopback.ConnectAsync(busy);
        using var accepted = await occupant.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Nothing listens on <paramref name="port"/>: no LISTEN entry in /proc/net/tcp or tcp6. (Binding the port to check
    /// would also fail when some unrelated outgoing connection happens to use it as its local port.)
    /// </summary>
    private static void AssertFree(int port, string context)
    {
        const string Listen = "0A";
        var hexPort = port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 3 && columns[3] == Listen && columns[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
                {
                    Assert.Fail($"something still listens on port {port} ({table}: {line.Trim()}); {context}");
                }
            }
        }
    }
}
