using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Admin;

/// <summary>
/// <c>etcd-gateway status</c>: asks a running gateway's admin listener for <c>GET /status</c> and prints it as a table
/// (per member: connections and bytes for the L4 gateway, calls for the gRPC proxy). Exits 0 when the gateway reports
/// healthy and 1 otherwise, so scripts can use it as a check.
/// </summary>
internal static class StatusCommand
{
    public const string MetricsAddr = "metrics-addr";
    public const string DefaultMetricsAddr = "http://127.0.0.1:9090";

    private const string Reset = "\u001b[0m";
    private const string Green = "\u001b[32m";
    private const string Red = "\u001b[31m";
    private const string Yellow = "\u001b[33m";
    private const string Bold = "\u001b[1m";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    public static readonly IReadOnlyList<FlagDefinition> Flags =
    [
        new(MetricsAddr, FlagKind.String, DefaultMetricsAddr, "the gateway's admin listener, as given to its --metrics-addr"),
    ];

    private static readonly string[] Columns =
        ["ENDPOINT", "STATE", "HEALTH", "SOURCE", "ACTIVE", "TOTAL", "IN", "OUT", "DIAL-FAIL", "LAST-CHANGE", "LAST-ERROR"];

    // ACTIVE, TOTAL, IN, OUT and DIAL-FAIL are numbers and line up on the right.
    private static readonly bool[] RightAligned = [false, false, false, false, true, true, true, true, true, false, false];

    // The proxy forwards calls, not connections: per member, calls open now, calls made, calls that failed.
    private static readonly string[] ProxyColumns =
        ["ENDPOINT", "STATE", "HEALTH", "SOURCE", "ACTIVE", "CALLS", "FAILED", "DIAL-FAIL", "LAST-CHANGE", "LAST-ERROR"];

    private static readonly bool[] ProxyRightAligned = [false, false, false, false, true, true, true, true, false, false];

    public static string Help() => $"""
        etcd-gateway status: show a running gateway's or gRPC proxy's endpoints, read from its admin listener (GET /status).

        Usage:
          etcd-gateway status [flags]

        Flags:
          --metrics-addr string   the gateway's admin listener, as given to its --metrics-addr (default "{DefaultMetricsAddr}")
          -h, --help              help for status

        Exit codes:
          0   the gateway reports healthy (at least one endpoint in rotation)
          1   the gateway reports unhealthy (panic mode included), or its admin listener cannot be reached
          2   bad flags

        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        Uri statusUri;
        try
        {
            var flags = FlagParser.Parse(args, Flags);
            if (flags.HelpRequested)
            {
                await stdout.WriteAsync(Help());
                return 0;
            }

            statusUri = StatusUri(flags.Last(MetricsAddr) ?? DefaultMetricsAddr);
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"etcd-gateway: {e.Message}");
            return UsageException.ExitCode;
        }

        var origin = statusUri.GetLeftPart(UriPartial.Authority);
        string body;
        try
        {
            // The admin listener is on this machine or reached directly; an HTTP_PROXY meant for the internet must not intercept it.
            using var handler = new SocketsHttpHandler { UseProxy = false };
            using var http = new HttpClient(handler) { Timeout = RequestTimeout };
            using var response = await http.GetAsync(statusUri);
            body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                await stderr.WriteLineAsync($"etcd-gateway: the admin listener at {origin} answered GET /status with {(int)response.StatusCode} {response.ReasonPhrase}");
                return 1;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or IOException)
        {
            var reason = e switch
            {
                TaskCanceledException => $"no answer within {GoDuration.Format(RequestTimeout)}",
                { InnerException: SocketException socket } => socket.Message,
                _ => e.Message,
            };
            await stderr.WriteLineAsync($"etcd-gateway: cannot reach the admin listener at {origin}: {reason} (is the gateway running, started with --metrics-addr?)");
            return 1;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var status = document.RootElement;
            if (status.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("expected a JSON object");
            }

            Render(status, stdout, UseColor(stdout));
            return status.TryGetProperty("healthy", out var healthy) && healthy.ValueKind == JsonValueKind.True ? 0 : 1;
        }
        catch (JsonException e)
        {
            await stderr.WriteLineAsync($"etcd-gateway: the admin listener at {origin} did not answer GET /status with status JSON: {e.Message}");
            return 1;
        }
    }

    /// <summary>Writes the header line and one table row per endpoint; missing fields show as "-".</summary>
    public static void Render(JsonElement status, TextWriter output, bool color)
    {
        var serverNow = ServerNow(status);
        var verdict = Bool(status, "panic") ? ("PANIC", Yellow) : Bool(status, "healthy") ? ("healthy", Green) : ("UNHEALTHY", Red);
        var uptime = Number(status, "uptimeSeconds") is { } seconds ? GoDuration.Format(TimeSpan.FromSeconds(Math.Floor(seconds))) : "-";

        var proxy = Text(status, "mode") == AdminModeNames.GrpcProxy;
        output.WriteLine(
            $"etcd-gateway {Text(status, "version")}  {(proxy ? "grpc-proxy  " : "")}listen {Text(status, "listen")}  uptime {uptime}  " +
            $"status {Paint(verdict.Item1, color ? Bold + verdict.Item2 : null)}  " +
            $"connections {Count(status, "activeConnections")} active, {Count(status, "totalConnections")} total  " +
            (proxy ? $"calls {Count(status, "activeCalls")} active, {Count(status, "totalCalls")} total  " : "") +
            $"pick-policy {Text(status, "pickPolicy")}  health-check {Text(status, "healthCheck")}");
        output.WriteLine();

        var rows = new List<string[]>();
        if (status.TryGetProperty("endpoints", out var endpoints) && endpoints.ValueKind == JsonValueKind.Array)
        {
            foreach (var endpoint in endpoints.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
            {
                string[] traffic = proxy
                    ? [Count(endpoint, "activeCalls"), Count(endpoint, "totalCalls"), Count(endpoint, "failedCalls")]
                    : [Count(endpoint, "activeConnections"), Count(endpoint, "totalConnections"), Bytes(endpoint, "bytesIn"), Bytes(endpoint, "bytesOut")];
                rows.Add(
                [
                    Text(endpoint, "address"), Text(endpoint, "state"), HealthWords(Text(endpoint, "health")), Text(endpoint, "source"),
                    .. traffic, Count(endpoint, "dialFailures"), Ago(endpoint, "lastChange", serverNow), Text(endpoint, "lastError"),
                ]);
            }
        }

        var (columns, rightAligned) = proxy ? (ProxyColumns, ProxyRightAligned) : (Columns, RightAligned);
        var widths = columns.Select((name, i) => rows.Select(r => r[i].Length).Append(name.Length).Max()).ToArray();
        output.WriteLine(Line(columns, widths, rightAligned, color: false));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row, widths, rightAligned, color));
        }

        if (rows.Count == 0)
        {
            output.WriteLine("(no endpoints)");
        }
    }

    /// <summary>Colour only for a person at a terminal: not when redirected, not with NO_COLOR, not for a dumb terminal.</summary>
    private static bool UseColor(TextWriter stdout) =>
        ReferenceEquals(stdout, Console.Out)
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
        && Environment.GetEnvironmentVariable("TERM") != "dumb";

    /// <summary><c>http://HOST:PORT</c> → <c>http://HOST:PORT/status</c>; a wildcard host means this machine.</summary>
    private static Uri StatusUri(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw UsageException.InvalidValue(MetricsAddr, value, "expected a URL such as http://127.0.0.1:9090");
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw UsageException.InvalidValue(MetricsAddr, value, "expected scheme, host and port only, such as http://127.0.0.1:9090");
        }

        var builder = new UriBuilder(uri) { Path = "/status" };
        builder.Host = uri.Host switch
        {
            "0.0.0.0" => "127.0.0.1",
            "[::]" => "[::1]",
            _ => builder.Host,
        };
        return builder.Uri;
    }

    private static string Line(string[] cells, int[] widths, bool[] rightAligned, bool color)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var last = i == cells.Length - 1;
            var padded = last ? cells[i] : rightAligned[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]);
            line.Append(i == 1 && color ? Paint(padded, StateColor(cells[i])) : padded);
            if (!last)
            {
                line.Append("  ");
            }
        }

        return line.ToString().TrimEnd();
    }

    private static string? StateColor(string state) => state switch
    {
        "up" => Green,
        "down" => Red,
        "panic" => Yellow,
        _ => null,
    };

    /// <summary>/status's health names as a person reads them; a name this version does not know is shown as sent.</summary>
    private static string HealthWords(string name) => name switch
    {
        EndpointHealthNames.NotChecked => "not checked",
        EndpointHealthNames.AcceptsTcpOnly => "accepts TCP only",
        _ => name,
    };

    private static string Paint(string text, string? code) => code is null ? text : code + text + Reset;

    /// <summary>The server's clock at the time of the snapshot (start time plus uptime), so relative times ignore local clock skew.</summary>
    private static DateTimeOffset ServerNow(JsonElement status) =>
        Time(status, "startTime") is { } start && Number(status, "uptimeSeconds") is { } uptime
            ? start + TimeSpan.FromSeconds(uptime)
            : DateTimeOffset.UtcNow;

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => Clean(value.GetString()!),
            JsonValueKind.Null or JsonValueKind.Undefined => "-",
            _ => Clean(value.GetRawText()),
        } : "-";

    /// <summary>One line, no control characters: a value from the wire must not move the cursor or change colours.</summary>
    private static string Clean(string text)
    {
        var cleaned = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return cleaned.Length == 0 ? "-" : cleaned;
    }

    private static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) ? number : null;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    private static string Count(JsonElement element, string name) =>
        Number(element, name) is { } n ? n.ToString("0", CultureInfo.InvariantCulture) : "-";

    /// <summary>Bytes in binary units without a space, so each value stays one field for awk: <c>45B</c>, <c>1.2KiB</c>, <c>942MiB</c>.</summary>
    private static string Bytes(JsonElement element, string name)
    {
        if (Number(element, name) is not { } value)
        {
            return "-";
        }

        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        var format = unit == 0 ? "0" : value < 10 ? "0.0" : "0";
        return value.ToString(format, CultureInfo.InvariantCulture) + units[unit];
    }

    /// <summary>How long ago, in the largest whole unit: <c>just now</c>, <c>42s ago</c>, <c>3m ago</c>, <c>5h ago</c>, <c>2d ago</c>.</summary>
    private static string Ago(JsonElement element, string name, DateTimeOffset now)
    {
        if (Time(element, name) is not { } time)
        {
            return "-";
        }

        var seconds = Math.Max(0, (long)(now - time).TotalSeconds);
        return seconds switch
        {
            < 5 => "just now",
            < 60 => $"{seconds}s ago",
            < 3600 => $"{seconds / 60}m ago",
            < 86400 => $"{seconds / 3600}h ago",
            _ => $"{seconds / 86400}d ago",
        };
    }
}
