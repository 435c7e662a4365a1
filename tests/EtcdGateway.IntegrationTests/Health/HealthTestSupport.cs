using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Health;

/// <summary>Polling, log and etcdctl helpers shared by the health, membership and reload tests.</summary>
internal static class HealthTestSupport
{
    public const int SigHup = 1;

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The string values of a log field that holds a list of addresses (empty if the field is missing).</summary>
    public static IReadOnlyList<string> Addresses(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.GetString() ?? "")]
            : [];

    public static string Field(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var value) ? value.ToString() : "";

    /// <summary>Log entries with <paramref name="message"/> that also satisfy <paramref name="match"/>.</summary>
    public static IReadOnlyList<JsonElement> Entries(GatewayProcess gateway, string message, Func<JsonElement, bool>? match = null) =>
        [.. gateway.LogEntries(message).Where(e => match?.Invoke(e) ?? true)];

    /// <summary>
    /// Waits until more than <paramref name="alreadySeen"/> entries with <paramref name="message"/> satisfy
    /// <paramref name="match"/>, and returns the newest; so a test can wait for a line logged after a given step.
    /// </summary>
    public static async Task<JsonElement> WaitForNewLogAsync(
        GatewayProcess gateway, string message, int alreadySeen, TimeSpan timeout, Func<JsonElement, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Entries(gateway, message, match);
            if (found.Count > alreadySeen)
            {
                return found[^1];
            }

            if (gateway.HasExited)
            {
                throw new InvalidOperationException($"gateway exited before logging \"{message}\":\n{gateway.Log}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gateway did not log \"{message}\" (matching) within {timeout}:\n{gateway.Log}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Alternating put and get through <paramref name="endpoint"/>; returns a description of every call that failed.</summary>
    public static async Task<List<string>> PutGetCallsAsync(string endpoint, int count, string prefix)
    {
        var failures = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var result = i % 2 == 0
                ? await Etcdctl.RunAsync(endpoint, "put", $"{prefix}/{i}", $"v{i}", "--command-timeout=5s")
                : await Etcdctl.RunAsync(endpoint, "get", $"{prefix}/{i - 1}", "--print-value-only", "--command-timeout=5s");
            if (!result.Succeeded || (i % 2 == 1 && result.StdOut.Trim() != $"v{i - 1}"))
            {
                failures.Add($"call {i}: {result}");
            }
        }

        return failures;
    }

    /// <summary>The ID of the member that answered <c>endpoint status --write-out=json</c> through <paramref name="endpoint"/>.</summary>
    public static async Task<ulong> StatusMemberIdAsync(string endpoint)
    {
        var status = await Etcdctl.RunAsync(endpoint, "endpoint", "status", "--write-out=json");
        Assert.True(status.Succeeded, $"endpoint status via {endpoint}: {status}");
        using var document = JsonDocument.Parse(status.StdOut);
        return document.RootElement[0].GetProperty("Status").GetProperty("header").GetProperty("member_id").GetUInt64();
    }

    /// <summary>
    /// Makes endpoint-status calls until the last <paramref name="window"/> of them were answered by
    /// <paramref name="expected"/> distinct members, or <paramref name="maxCalls"/> calls were made
    /// (a member that just joined the endpoint set may need its health checks to pass first).
    /// Returns the IDs of the last window, and all IDs in call order for the assertion message.
    /// </summary>
    public static async Task<(HashSet<ulong> LastWindow, List<ulong> All)> MemberIdsUntilWindowCoversAsync(
        string endpoint, int window, int expected, int maxCalls)
    {
        var all = new List<ulong>();
        HashSet<ulong> last = [];
        while (all.Count < maxCalls)
        {
            all.Add(await StatusMemberIdAsync(endpoint));
            last = [.. all.TakeLast(window)];
            if (all.Count >= window && last.Count >= expected)
            {
                break;
            }
        }

        return (last, all);
    }

    /// <summary>The cluster's members as <c>member list -w json</c> reports them: ID, name and client URLs.</summary>
    public static async Task<IReadOnlyList<(ulong Id, string Name, IReadOnlyList<string> ClientUrls)>> MemberListAsync(string endpoint)
    {
        var list = await Etcdctl.RunAsync(endpoint, "member", "list", "-w", "json");
        Assert.True(list.Succeeded, $"member list via {endpoint}: {list}");
        using var document = JsonDocument.Parse(list.StdOut);
        return
        [
            .. document.RootElement.GetProperty("members").EnumerateArray().Select(m => (
                m.GetProperty("ID").GetUInt64(),
                m.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
                (IReadOnlyList<string>)(m.TryGetProperty("clientURLs", out var urls)
                    ? [.. urls.EnumerateArray().Select(u => u.GetString() ?? "")]
                    : [])))
        ];
    }

    /// <summary>
    /// Runs <c>member remove</c> on <paramref name="endpoint"/>, retrying while etcd refuses with "unhealthy cluster"
    /// (it does until the remaining members have been connected for a few seconds, as right after the cluster booted).
    /// </summary>
    public static async Task<CommandResult> MemberRemoveAsync(string endpoint, ulong id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var result = await Etcdctl.RunAsync(endpoint, "member", "remove", Hex(id));
            if (result.Succeeded || !result.StdErr.Contains("unhealthy cluster", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    public static string Hex(ulong id) => id.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Reads watch output until a line equal to <paramref name="key"/>, then returns the value line after it.</summary>
    public static async Task<string> ReadWatchedValueAsync(LineReader lines, string key, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = new StringBuilder();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"watch did not print {key} within {timeout}; it printed:\n{seen}");
            }

            string line;
            try
            {
                line = await lines.ReadAsync(left);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"watch did not print {key} within {timeout}; it printed:\n{seen}");
            }

            seen.AppendLine(line);
            if (line == key)
            {
                return await lines.ReadAsync(TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>
    /// Writes the key on <paramref name="member"/> until the watch prints it: the watch is registered on the server a
    /// moment after etcdctl starts, and events from before that are not delivered.
    /// </summary>
    public static async Task PutUntilWatchedAsync(EtcdMember member, LineReader lines, string key, string value)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            await PutDirectAsync(member, key, value);
            try
            {
                Assert.Equal(value, await ReadWatchedValueAsync(lines, key, TimeSpan.FromSeconds(2)));
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="key"/> directly on a member (not through the gateway).</summary>
    public static async Task PutDirectAsync(EtcdMember member, string key, string value)
    {
        var put = await Etcdctl.RunAsync(member.ClientAddress, "put", key, value);
        Assert.True(put.Succeeded, $"put {key} on {member}: {put}");
    }

    /// <summary>Writes a config file atomically, so a reload never reads it half-written.</summary>
    public static void WriteConfig(string path, string yaml)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, yaml);
        File.Move(temporary, path, overwrite: true);
    }

    public static string DescribeIds(IEnumerable<ulong> ids, EtcdCluster cluster, IReadOnlyList<(ulong Id, string Name, IReadOnlyList<string> ClientUrls)> members) =>
        $"answered by [{string.Join(", ", ids.Select(Hex))}]; members: {string.Join(", ", members.Select(m => $"{m.Name}={Hex(m.Id)}"))}; cluster: {cluster.ClientEndpoints}";
}

/// <summary>
/// One HTTP/1.1 keep-alive connection through the gateway: each request travels over the same TCP connection, so a
/// request that succeeds after some event proves that event did not drop the connection.
/// </summary>
internal sealed class KeepAliveHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly MemoryStream _pending = new();

    private KeepAliveHttpConnection(Socket socket) => _socket = socket;

    public static async Task<KeepAliveHttpConnection> OpenAsync(int port) => new(await Loopback.ConnectAsync(port));

    /// <summary>Sends <c>GET path</c> and returns the status line and the body.</summary>
    public async Task<(string StatusLine, string Body)> GetAsync(string path, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: etcd\r\n\r\n"), SocketFlags.None, cancel.Token);

        int headerEnd;
        while ((headerEnd = IndexOf(_pending.ToArray(), "\r\n\r\n"u8)) < 0)
        {
            await ReceiveMoreAsync(cancel.Token);
        }

        var buffered = _pending.ToArray();
        var headers = Encoding.ASCII.GetString(buffered, 0, headerEnd).Split("\r\n");
        var lengthHeader = headers.FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"response without Content-Length:\n{string.Join('\n', headers)}");
        var length = int.Parse(lengthHeader["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture);
        var bodyStart = headerEnd + 4;
        while (_pending.Length < bodyStart + length)
        {
            await ReceiveMoreAsync(cancel.Token);
        }

        buffered = _pending.ToArray();
        var body = Encoding.UTF8.GetString(buffered, bodyStart, length);
        _pending.SetLength(0);
        _pending.Write(buffered, bodyStart + length, buffered.Length - bodyStart - length);
        return (headers[0], body);
    }

    public void Dispose()
    {
        _socket.Dispose();
        _pending.Dispose();
    }

    private async Task ReceiveMoreAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, ct);
        if (n == 0)
        {
            throw new EndOfStreamException("the gateway closed the keep-alive connection");
        }

        _pending.Write(buffer, 0, n);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
