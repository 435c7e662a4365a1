using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// What the SRV discovery tests share: the zone they serve (members as <c>mN.example.test</c> on 127.0.0.1), the flags that
/// point the gateway at the test DNS server, new connections through the gateway, per-endpoint counts from /status, and
/// the shape of a failed start.
/// </summary>
internal static class DiscoverySupport
{
    public const string Domain = "example.test";
    public const string PlainService = "_etcd-client._tcp." + Domain;
    public const string TlsService = "_etcd-client-ssl._tcp." + Domain;

    public const string Discovered = "discovered endpoints from SRV records";
    public const string EndpointSetChanged = "endpoint set changed";
    public const string Dropped = "dropped discovered endpoint";
    public const string IgnoringPlain = "ignoring plain http SRV records; pass --insecure-discovery to use them";
    public const string KeepingLastGood = "SRV discovery failed; keeping the last good endpoint set";
    public const string Ready = "ready to proxy client requests";

    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public static string HostName(int member) => $"m{member}.{Domain}";

    /// <summary>How the gateway names a discovered endpoint: the SRV target without its trailing dot, and the SRV port.</summary>
    public static string EndpointName(EtcdCluster cluster, int member) => $"{HostName(member)}:{cluster.Members[member].ClientPort}";

    /// <summary>
    /// SRV records under <paramref name="service"/> for the given members (target <c>mN.example.test</c>, the member's
    /// client port), and an A record 127.0.0.1 for each target.
    /// </summary>
    public static DnsRecords Records(string service, EtcdCluster cluster, params (int Member, int Priority, int Weight)[] targets) => new()
    {
        Srv = [.. targets.Select(t => new SrvRecord(service, HostName(t.Member), cluster.Members[t.Member].ClientPort, t.Priority, t.Weight))],
        Hosts = [.. targets.Select(t => t.Member).Distinct().Select(m => new HostRecord(HostName(m), IPAddress.Loopback))],
    };

    /// <summary>Plain http records of equal priority and weight for <paramref name="members"/>.</summary>
    public static DnsRecords PlainRecords(EtcdCluster cluster, params int[] members) =>
        Records(PlainService, cluster, [.. members.Select(m => (m, 10, 1))]);

    /// <summary>Discovery of <see cref="Domain"/> through the test DNS server only, never the machine's resolvers.</summary>
    public static string[] DiscoveryFlags(DnsmasqServer dns) => [$"--discovery-srv={Domain}", $"--dns-server={dns.Endpoint}"];

    public static string NewAdminAddress() => $"http://127.0.0.1:{FreePorts.Next()}";

    public static HttpClient AdminClient(string admin) => new() { BaseAddress = new Uri(admin), Timeout = StepTimeout };

    public static string Field(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var value) ? value.ToString() : "";

    /// <summary>The string values of a log field that holds a list (empty if the field is missing).</summary>
    public static IReadOnlyList<string> Strings(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.GetString() ?? "")]
            : [];

    /// <summary>
    /// One new client connection through the gateway carrying <c>GET /version</c> (answered by etcd without a raft round
    /// trip) and closed by etcd afterwards; returns null on success, otherwise what went wrong.
    /// </summary>
    public static async Task<string?> VersionRequestAsync(int gatewayPort)
    {
        try
        {
            using var socket = await Loopback.ConnectAsync(gatewayPort);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /version HTTP/1.1\r\nHost: etcd\r\nConnection: close\r\n\r\n"), SocketFlags.None);
            var response = await Loopback.ReadToEndAsStringAsync(socket, RequestTimeout);
            return response.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) && response.Contains("etcdserver", StringComparison.Ordinal)
                ? null
                : $"unexpected answer: {response}";
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>Makes <paramref name="count"/> new connections one after another; returns a description of each that failed.</summary>
    public static async Task<List<string>> VersionRequestsAsync(int gatewayPort, int count)
    {
        var failures = new List<string>();
        for (var i = 0; i < count; i++)
        {
            if (await VersionRequestAsync(gatewayPort) is { } failure)
            {
                failures.Add($"connection {i}: {failure}");
            }
        }

        return failures;
    }

    /// <summary>GET /status, parsed.</summary>
    public static async Task<JsonElement> StatusAsync(HttpClient admin)
    {
        using var document = JsonDocument.Parse(await admin.GetStringAsync("/status"));
        return document.RootElement.Clone();
    }

    /// <summary>Each endpoint's <c>totalConnections</c> in /status, by its address.</summary>
    public static async Task<Dictionary<string, long>> TotalConnectionsAsync(HttpClient admin) =>
        (await StatusAsync(admin)).GetProperty("endpoints").EnumerateArray()
            .ToDictionary(e => e.GetProperty("address").GetString()!, e => e.GetProperty("totalConnections").GetInt64());

    /// <summary>How many connections each endpoint gained between two readings (an endpoint missing from one counts as 0 there).</summary>
    public static Dictionary<string, long> Gained(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Keys.Union(before.Keys).ToDictionary(k => k, k => after.GetValueOrDefault(k) - before.GetValueOrDefault(k));

    public static string Describe(Dictionary<string, long> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    /// <summary>Polls /status until <paramref name="condition"/> holds; returns the last /status read either way.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(HttpClient admin, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync(admin);
            if (condition(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>The <c>state</c> (up, down, panic) of <paramref name="address"/> in a /status reading, or null if it is not listed.</summary>
    public static string? State(JsonElement status, string address) =>
        status.GetProperty("endpoints").EnumerateArray()
            .Where(e => e.GetProperty("address").GetString() == address)
            .Select(e => e.GetProperty("state").GetString())
            .FirstOrDefault();

    /// <summary>
    /// Runs <c>etcd-gateway start</c> with <paramref name="args"/> (and a free listen port) to its exit, expecting discovery to
    /// stop it: exit code 2, nothing on stdout, the gateway never ready, and a last stderr line
    /// <c>etcd-gateway: ...</c> containing every one of <paramref name="expected"/>. Log lines the gateway wrote while it
    /// tried (warnings about dropped endpoints) may come before that line; they are returned, parsed, for further checks.
    /// </summary>
    public static async Task<(string ErrorLine, IReadOnlyList<JsonElement> Log)> StartFailsAsync(IEnumerable<string> args, params string[] expected)
    {
        var result = await GatewayProcess.RunToExitAsync(["start", .. args, $"--listen-addr=127.0.0.1:{FreePorts.Next()}"], TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 2, $"expected exit code 2: {result}");
        Assert.True(result.StdOut.Length == 0, $"expected nothing on stdout: {result}");

        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0, $"nothing on stderr: {result}");
        var error = lines[^1];
        Assert.True(error.StartsWith("etcd-gateway: ", StringComparison.Ordinal), $"the last stderr line should be the usage error: {result}");
        foreach (var part in expected)
        {
            Assert.True(error.Contains(part, StringComparison.Ordinal), $"the error line should contain \"{part}\":\n{error}");
        }

        var log = new List<JsonElement>();
        foreach (var line in lines[..^1])
        {
            Assert.True(line.StartsWith('{'), $"only JSON log lines may come before the error line: {result}");
            using var document = JsonDocument.Parse(line);
            log.Add(document.RootElement.Clone());
        }

        Assert.DoesNotContain(log, e => Field(e, "msg") == Ready);
        return (error, log);
    }

    /// <summary>Log entries with <paramref name="message"/> among <paramref name="log"/>.</summary>
    public static IReadOnlyList<JsonElement> Entries(IEnumerable<JsonElement> log, string message) =>
        [.. log.Where(e => Field(e, "msg") == message)];
}
