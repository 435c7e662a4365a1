using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Abuse;

/// <summary>
/// What the abuse tests read from outside the gateway: its fds and resident memory from /proc, its admin listener's
/// /metrics and /status, and this test process's own fd limit.
/// </summary>
internal static class AbuseSupport
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private const int RlimitNofile = 7;

    /// <summary>An admin address on a free loopback port, as <c>--metrics-addr</c> takes it.</summary>
    public static string NewAdminAddress() => $"http://127.0.0.1:{FreePorts.Next()}";

    /// <summary>Open file descriptors of <paramref name="pid"/>, counted in /proc/PID/fd.</summary>
    public static int OpenFds(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;

    /// <summary>Resident set size of <paramref name="pid"/> in bytes (VmRSS in /proc/PID/status).</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS in /proc/{pid}/status");
    }

    public static string Mib(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>
    /// Raises this process's soft RLIMIT_NOFILE to its hard limit (an unprivileged process may) and returns both
    /// afterwards; the hard limit itself can only be raised with CAP_SYS_RESOURCE.
    /// </summary>
    public static (ulong Soft, ulong Hard) RaiseOwnFdLimit()
    {
        if (GetRLimit(RlimitNofile, out var limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit failed: errno {Marshal.GetLastPInvokeError()}");
        }

        if (limit.Current < limit.Maximum)
        {
            var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
            if (SetRLimit(RlimitNofile, ref raised) == 0)
            {
                limit = raised;
            }
        }

        return (limit.Current, limit.Maximum);
    }

    /// <summary>The value of an unlabelled sample (e.g. <c>etcd_gateway_connections_active</c>) in GET /metrics.</summary>
    public static async Task<double> MetricAsync(HttpClient admin, string name)
    {
        var text = await admin.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"no sample {name} in /metrics:\n{text}");
    }

    /// <summary>Polls <paramref name="name"/> until it equals <paramref name="expected"/>; returns the last value read.</summary>
    public static async Task<double> WaitForMetricAsync(HttpClient admin, string name, double expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await MetricAsync(admin, name);
            if (value == expected || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>GET /status, parsed.</summary>
    public static async Task<JsonElement> StatusAsync(HttpClient admin)
    {
        using var document = JsonDocument.Parse(await admin.GetStringAsync("/status"));
        return document.RootElement.Clone();
    }

    /// <summary>The entry for <paramref name="address"/> in /status's <c>endpoints</c>.</summary>
    public static JsonElement EndpointStatus(JsonElement status, string address) =>
        status.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("address").GetString() == address);

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

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; returns the last value read either way.</summary>
    public static async Task<T> PollAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>One echo round trip on an open connection; throws when the answer is wrong, short or late.</summary>
    public static async Task EchoAsync(Socket socket, string message, TimeSpan timeout)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        await socket.SendAsync(bytes);
        var echoed = await Loopback.ReadExactlyAsync(socket, bytes.Length, timeout);
        if (!echoed.AsSpan().SequenceEqual(bytes))
        {
            throw new InvalidDataException($"sent \"{message}\", got back \"{Encoding.ASCII.GetString(echoed)}\"");
        }
    }

    /// <summary>
    /// An echo backend light enough for ten thousand connections: a 1 KiB buffer each (not 64 KiB), and the socket is
    /// closed as soon as the client is done, so this process's fds come back too.
    /// </summary>
    public static TestBackend LeanEcho() => TestBackend.Start(async socket =>
    {
        using (socket)
        {
            var buffer = new byte[1024];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer);
                if (n == 0)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, n));
            }
        }
    });

    /// <summary>
    /// A minimal HTTP server: reads one request's headers, answers <c>200 OK</c> with <c>{"health":"true"}</c>, closes.
    /// Enough to pass the gateway's GET /health probe, and to tell a client which backend it reached (by port).
    /// </summary>
    public static TestBackend HealthyHttp() => TestBackend.Start(async socket =>
    {
        using (socket)
        {
            var request = new List<byte>();
            var buffer = new byte[4096];
            while (!EndsHeaders(request))
            {
                var n = await socket.ReceiveAsync(buffer);
                if (n == 0)
                {
                    return;
                }

                request.AddRange(buffer.AsSpan(0, n));
            }

            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            var body = "{\"health\":\"true\"}";
            var response = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nX-Backend-Port: {port}\r\nConnection: close\r\n\r\n{body}";
            await socket.SendAsync(Encoding.ASCII.GetBytes(response));
            socket.Shutdown(SocketShutdown.Send);
        }
    });

    private static bool EndsHeaders(List<byte> request)
    {
        var span = CollectionsMarshal.AsSpan(request);
        return span.IndexOf("\r\n\r\n"u8) >= 0;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
