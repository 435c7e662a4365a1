using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EtcdGateway.Admin;

namespace EtcdGateway.Tests.Admin;

public class StatusCommandTests
{
    private const string CannedStatus = """
        {
          "version": "0.1.0",
          "listen": "127.0.0.1:23790",
          "startTime": "2026-11-21T01:00:00.000Z",
          "uptimeSeconds": 3725.3,
          "pickPolicy": "round-robin",
          "healthCheck": "auto",
          "healthy": true,
          "panic": false,
          "activeConnections": 3,
          "totalConnections": 120,
          "endpoints": [
            {
              "address": "127.0.0.1:12379", "state": "up", "health": "healthy", "source": "flag",
              "activeConnections": 1, "totalConnections": 40, "bytesIn": 1234, "bytesOut": 5678,
              "dialFailures": 0, "lastError": null, "lastChange": "2026-11-21T01:00:00.000Z"
            },
            {
              "address": "127.0.0.1:22379", "state": "down", "health": "accepts-tcp-only", "source": "config-file",
              "activeConnections": 0, "totalConnections": 38, "bytesIn": 2411724, "bytesOut": 987654321,
              "dialFailures": 3, "lastError": "health probe: timed out after 500ms", "lastChange": "2026-11-21T02:02:03.000Z"
            },
            {
              "address": "[fd00::1]:32379", "state": "panic", "health": "unhealthy", "source": "member-list",
              "activeConnections": 2, "totalConnections": 42, "bytesIn": 12345678901, "bytesOut": 45,
              "dialFailures": 0, "lastError": "line one\nline two\u001b[2J", "lastChange": "2026-11-21T01:04:00.000Z"
            }
          ]
        }
        """;

    private static string[] RenderLines(string json, bool color = false)
    {
        using var document = JsonDocument.Parse(json);
        using var output = new StringWriter();
        StatusCommand.Render(document.RootElement, output, color);
        return output.ToString().TrimEnd('\n').Split('\n');
    }

    [Fact]
    public void Render_HeaderLine_HasVersionListenUptimeAndVerdict()
    {
        var header = RenderLines(CannedStatus)[0];
        Assert.StartsWith("etcd-gateway 0.1.0  listen 127.0.0.1:23790  uptime 1h2m5s  status healthy  ", header, StringComparison.Ordinal);
        Assert.Contains("connections 3 active, 120 total", header, StringComparison.Ordinal);
        Assert.Contains("pick-policy round-robin", header, StringComparison.Ordinal);
        Assert.Contains("health-check auto", header, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"healthy\": true,\n  \"panic\": false", "status healthy")]
    [InlineData("\"healthy\": false,\n  \"panic\": true", "status PANIC")]
    [InlineData("\"healthy\": false,\n  \"panic\": false", "status UNHEALTHY")]
    public void Render_Verdict_FollowsHealthyAndPanic(string flags, string expected)
    {
        var json = CannedStatus.Replace("\"healthy\": true,\n  \"panic\": false", flags, StringComparison.Ordinal);
        Assert.Contains(expected, RenderLines(json)[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Table_HasEveryColumnAndOneAlignedRowPerEndpoint()
    {
        var lines = RenderLines(CannedStatus);
        Assert.Equal("", lines[1]);
        var header = lines[2];
        Assert.Equal(
            ["ENDPOINT", "STATE", "HEALTH", "SOURCE", "ACTIVE", "TOTAL", "IN", "OUT", "DIAL-FAIL", "LAST-CHANGE", "LAST-ERROR"],
            header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(6, lines.Length);

        var rows = lines[3..];
        Assert.StartsWith("127.0.0.1:12379 ", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1:22379 ", rows[1], StringComparison.Ordinal);
        Assert.StartsWith("[fd00::1]:32379 ", rows[2], StringComparison.Ordinal);

        // Left-aligned columns start under their heading; numeric ones end under it.
        AssertStartsUnder(header, "STATE", rows, ["up", "down", "panic"]);
        AssertStartsUnder(header, "SOURCE", rows, ["flag", "config-file", "member-list"]);
        AssertStartsUnder(header, "LAST-CHANGE", rows, ["1h ago", "just now", "58m ago"]);
        AssertStartsUnder(header, "LAST-ERROR", rows, ["-", "health probe: timed out after 500ms", "line one line two [2J"]);
        AssertEndsUnder(header, "TOTAL", rows, ["40", "38", "42"]);
        AssertEndsUnder(header, "IN", rows, ["1.2KiB", "2.3MiB", "11GiB"]);
        AssertEndsUnder(header, "OUT", rows, ["5.5KiB", "942MiB", "45B"]);
        AssertEndsUnder(header, "DIAL-FAIL", rows, ["0", "3", "0"]);
    }

    [Fact]
    public void Render_AProxysStatus_ShowsCallsPerMember_InsteadOfConnectionsAndBytes()
    {
        const string proxyStatus = """
            {
              "version": "0.1.0", "mode": "grpc-proxy", "listen": "127.0.0.1:23790", "startTime": "2026-11-21T01:00:00.000Z",
              "uptimeSeconds": 65, "pickPolicy": "round-robin", "healthCheck": "auto", "healthy": true, "panic": false,
              "activeConnections": 2, "totalConnections": 9, "activeCalls": 4, "totalCalls": 1500,
              "endpoints": [
                { "address": "127.0.0.1:12379", "state": "up", "health": "healthy", "source": "flag",
                  "activeCalls": 3, "totalCalls": 1024, "failedCalls": 0, "dialFailures": 0, "lastError": null, "lastChange": "2026-11-21T01:00:00.000Z" },
                { "address": "127.0.0.1:22379", "state": "down", "health": "unreachable", "source": "flag",
                  "activeCalls": 0, "totalCalls": 17, "failedCalls": 5, "dialFailures": 5, "lastError": "refused", "lastChange": "2026-11-21T01:01:00.000Z" }
              ]
            }
            """;

        var lines = RenderLines(proxyStatus);

        Assert.StartsWith("etcd-gateway 0.1.0  grpc-proxy  listen 127.0.0.1:23790  uptime 1m5s  status healthy  ", lines[0], StringComparison.Ordinal);
        Assert.Contains("connections 2 active, 9 total  calls 4 active, 1500 total  ", lines[0], StringComparison.Ordinal);
        var header = lines[2];
        Assert.Equal(
            ["ENDPOINT", "STATE", "HEALTH", "SOURCE", "ACTIVE", "CALLS", "FAILED", "DIAL-FAIL", "LAST-CHANGE", "LAST-ERROR"],
            header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var rows = lines[3..];
        AssertEndsUnder(header, "ACTIVE", rows, ["3", "0"]);
        AssertEndsUnder(header, "CALLS", rows, ["1024", "17"]);
        AssertEndsUnder(header, "FAILED", rows, ["0", "5"]);
        AssertStartsUnder(header, "LAST-ERROR", rows, ["-", "refused"]);
    }

    [Theory]
    [InlineData("healthy", "healthy")]
    [InlineData("unhealthy", "unhealthy")]
    [InlineData("accepts-tcp-only", "accepts TCP only")]
    [InlineData("unreachable", "unreachable")]
    [InlineData("not-checked", "not checked")]
    [InlineData("from-a-newer-gateway", "from-a-newer-gateway")]
    public void Render_HealthColumn_InWords(string health, string expected)
    {
        var json = CannedStatus.Replace("\"health\": \"healthy\"", $"\"health\": \"{health}\"", StringComparison.Ordinal);
        var lines = RenderLines(json);
        var column = lines[2].IndexOf("HEALTH", StringComparison.Ordinal);
        var sourceColumn = lines[2].IndexOf("SOURCE", StringComparison.Ordinal);
        Assert.Equal(expected, lines[3][column..sourceColumn].TrimEnd());
    }

    [Fact]
    public void Render_WithoutColor_HasNoEscapeCodes_WithColor_PaintsStates()
    {
        Assert.DoesNotContain(RenderLines(CannedStatus), line => line.Contains('\u001b', StringComparison.Ordinal));

        var colored = string.Join('\n', RenderLines(CannedStatus, color: true));
        Assert.Contains("\u001b[32mup", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[31mdown", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[33mpanic", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[1m\u001b[32mhealthy\u001b[0m", colored, StringComparison.Ordinal);

        // A control sequence arriving in the JSON is never passed to the terminal.
        Assert.DoesNotContain("\u001b[2J", colored, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MissingFields_ShowAsDashes()
    {
        var lines = RenderLines("""{"endpoints":[{"address":"10.0.0.1:2379"}]}""");
        Assert.StartsWith("etcd-gateway -  listen -  uptime -  status UNHEALTHY", lines[0], StringComparison.Ordinal);
        Assert.Equal(["10.0.0.1:2379", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--metrics-addr=ftp://127.0.0.1:9090", "invalid value \"ftp://127.0.0.1:9090\" for flag --metrics-addr")]
    [InlineData("--metrics-addr=127.0.0.1:9090", "invalid value \"127.0.0.1:9090\" for flag --metrics-addr")]
    [InlineData("--metrics-addr=http://127.0.0.1:9090/status", "invalid value \"http://127.0.0.1:9090/status\" for flag --metrics-addr")]
    [InlineData("--metrics-addr", "flag needs an argument: --metrics-addr")]
    [InlineData("--bogus=1", "unknown flag: --bogus")]
    public async Task BadFlag_OneLineOnStderr_ExitTwo(string arg, string expected)
    {
        var (code, stdout, stderr) = await Run(arg);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"etcd-gateway: {expected}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_DocumentsTheFlagAndTheExitCodes()
    {
        var (code, stdout, _) = await Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("--metrics-addr", stdout, StringComparison.Ordinal);
        Assert.Contains("(default \"http://127.0.0.1:9090\")", stdout, StringComparison.Ordinal);
        Assert.Contains("0   the gateway reports healthy", stdout, StringComparison.Ordinal);
        Assert.Contains("1   the gateway reports unhealthy", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableAdminListener_OneLineNamingTheAddress_ExitOne()
    {
        var port = ClosedPort();
        var (code, stdout, stderr) = await Run($"--metrics-addr=http://127.0.0.1:{port}");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"etcd-gateway: cannot reach the admin listener at http://127.0.0.1:{port}", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, 0)]
    [InlineData(false, 1)]
    public async Task ExitCode_FollowsTheReportedHealth(bool healthy, int expected)
    {
        var json = healthy ? CannedStatus : CannedStatus.Replace("\"healthy\": true", "\"healthy\": false", StringComparison.Ordinal);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeOnceAsync(listener, "200 OK", json);

        var (code, stdout, stderr) = await Run($"--metrics-addr=http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        Assert.Equal("GET /status HTTP/1.1", await serve);
        Assert.Equal(expected, code);
        Assert.Equal("", stderr);
        Assert.Contains("127.0.0.1:22379", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorStatus_OneLineWithTheHttpStatus_ExitOne()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = ServeOnceAsync(listener, "404 Not Found", "not here");

        var (code, _, stderr) = await Run($"--metrics-addr=http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        await serve;
        Assert.Equal(1, code);
        Assert.Contains("answered GET /status with 404", Assert.Single(stderr.TrimEnd('\n').Split('\n')), StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await StatusCommand.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Answers one HTTP request with <paramref name="body"/> and returns the request line.</summary>
    private static async Task<string> ServeOnceAsync(TcpListener listener, string status, string body)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var stream = client.GetStream();
        var request = new StringBuilder();
        var buffer = new byte[4096];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var payload = Encoding.UTF8.GetBytes(body);
        var head = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(payload);
        return request.ToString().Split("\r\n")[0];
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static void AssertStartsUnder(string header, string column, string[] rows, string[] values)
    {
        var at = ColumnStart(header, column);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.True(rows[i].Length > at && rows[i][at..].StartsWith(values[i], StringComparison.Ordinal), $"{column} of row {i}: expected \"{values[i]}\" at {at} in \"{rows[i]}\"");
        }
    }

    private static void AssertEndsUnder(string header, string column, string[] rows, string[] values)
    {
        var end = ColumnStart(header, column) + column.Length;
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.True(rows[i].Length >= end && rows[i][..end].EndsWith(" " + values[i], StringComparison.Ordinal), $"{column} of row {i}: expected \"{values[i]}\" ending at {end} in \"{rows[i]}\"");
        }
    }

    private static int ColumnStart(string header, string column)
    {
        var at = $" {header} ".IndexOf($" {column} ", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no column {column} in \"{header}\"");
        return at;
    }
}
