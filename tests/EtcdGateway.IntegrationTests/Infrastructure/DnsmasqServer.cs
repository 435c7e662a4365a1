using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>
/// A real dnsmasq on 127.0.0.1 at a free port (UDP and TCP), serving only the given <see cref="DnsRecords"/>:
/// no upstream servers, no /etc/hosts, no config file. Every query is logged so tests can count lookups.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    private const string ExecutablePath = "/usr/sbin/dnsmasq";
    private const int PortAttempts = 3;
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly TimeSpan _ttl;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private DnsmasqServer(int port, DnsRecords records, TimeSpan ttl)
    {
        Port = port;
        Records = records;
        _ttl = ttl;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as <c>--dns-server</c> takes it.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The records currently served.</summary>
    public DnsRecords Records { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Everything dnsmasq wrote, across restarts, including one <c>query[TYPE] NAME from ...</c> line per query.</summary>
    public IReadOnlyList<string> LogLines => [.. _log];

    /// <summary>
    /// Starts dnsmasq and returns once its UDP and TCP sockets are bound. Every answer (SRV, A, AAAA, NXDOMAIN)
    /// carries <paramref name="ttl"/> (whole seconds; dnsmasq's default of 0 when null).
    /// </summary>
    public static async Task<DnsmasqServer> StartAsync(DnsRecords records, TimeSpan? ttl = null)
    {
        // FreePorts only knows the port is free for TCP; if something holds it for UDP, dnsmasq exits
        // at once with "Address already in use", and another port will do.
        for (var attempt = 1; ; attempt++)
        {
            var server = new DnsmasqServer(FreePorts.Next(), records, ttl ?? TimeSpan.Zero);
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < PortAttempts && server.LogLines.Any(l => l.Contains("Address already in use", StringComparison.Ordinal)))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Replaces the records: stops dnsmasq, waits for it to exit and starts it again on the same port,
    /// returning once it answers there. Queries sent in between go unanswered, as with a real server restart.
    /// </summary>
    public async Task RestartAsync(DnsRecords newRecords)
    {
        await StopAsync();
        Records = newRecords;
        await StartProcessAsync();
    }

    /// <summary>Stops dnsmasq with SIGTERM (SIGKILL if it lingers) and waits until it has exited; the port stays reserved.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        Posix.Signal(_process!.Id, Posix.SigTerm);
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// How many queries for <paramref name="name"/> (of <paramref name="type"/>, e.g. "SRV" or "A", when given) dnsmasq
    /// has logged. Log lines arrive asynchronously, shortly after the answer; see <see cref="WaitForQueryCountAsync"/>.
    /// </summary>
    public int QueryCount(string name, string? type = null) =>
        _log.Count(line => IsQuery(line, name, type));

    /// <summary>Waits until at least <paramref name="count"/> queries for <paramref name="name"/> are logged and returns the count.</summary>
    public async Task<int> WaitForQueryCountAsync(string name, int count, TimeSpan timeout, string? type = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var seen = QueryCount(name, type);
            if (seen >= count || DateTime.UtcNow > deadline)
            {
                return seen;
            }

            await Task.Delay(PollInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            _process!.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    public override string ToString() => $"dnsmasq on {Endpoint} (pid {(IsRunning ? _process!.Id.ToString(CultureInfo.InvariantCulture) : "none")})";

    // dnsmasq logs "query[SRV] _etcd-client._tcp.example.test from 127.0.0.1" for each question it receives.
    private static bool IsQuery(string line, string name, string? type)
    {
        var start = line.IndexOf(" query[", StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var typeEnd = line.IndexOf("] ", start, StringComparison.Ordinal);
        if (typeEnd < 0)
        {
            return false;
        }

        var loggedType = line[(start + " query[".Length)..typeEnd];
        var rest = line[(typeEnd + 2)..];
        var loggedName = rest.Split(' ')[0];
        return string.Equals(loggedName.TrimEnd('.'), name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
            && (type is null || string.Equals(loggedType, type, StringComparison.OrdinalIgnoreCase));
    }

    private async Task StartProcessAsync()
    {
        _process?.Dispose();
        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments())
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Append($"=== started {ExecutablePath} {string.Join(' ', startInfo.ArgumentList)}, pid {process.Id} ===");

        await WaitListeningAsync(process);
    }

    private List<string> Arguments()
    {
        List<string> arguments =
        [
            "--keep-in-foreground",
            // Only the records below: no upstream from /etc/resolv.conf, no /etc/hosts, no /etc/dnsmasq.conf.
            "--no-resolv",
            "--no-hosts",
            "--conf-file=/dev/null",
            $"--port={Port.ToString(CultureInfo.InvariantCulture)}",
            "--listen-address=127.0.0.1",
            // Bind 127.0.0.1:PORT itself, not the wildcard address, so parallel servers never collide.
            "--bind-interfaces",
            "--pid-file=",
            "--log-queries",
            "--log-facility=-",
            $"--local-ttl={((int)_ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture)}",
            // Without an upstream, dnsmasq REFUSEs names outside these domains; inside them, unknown names are NXDOMAIN.
            .. Records.LocalDomains.Select(domain => $"--local=/{domain}/"),
            .. Records.Srv.Select(r => r.ToDnsmasqOption()),
            .. Records.Hosts.Select(r => r.ToDnsmasqOption()),
        ];
        return arguments;
    }

    // Polling the kernel's socket tables rather than sending a probe query keeps the query log to what tests sent.
    private async Task WaitListeningAsync(Process process)
    {
        var deadline = DateTime.UtcNow + StartupTimeout;
        while (!(IsBound("/proc/net/udp", listenOnly: false) && IsBound("/proc/net/tcp", listenOnly: true)))
        {
            if (process.HasExited)
            {
                // Let the output readers catch up so the reason is in the message.
                process.WaitForExit();
                throw new InvalidOperationException($"dnsmasq exited with code {process.ExitCode} before listening on {Endpoint}.{Environment.NewLine}{string.Join(Environment.NewLine, _log)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"dnsmasq is not listening on {Endpoint} after {StartupTimeout.TotalSeconds} s.{Environment.NewLine}{string.Join(Environment.NewLine, _log)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    // Lines look like "  12: 0100007F:D431 00000000:0000 07 ...": local address as hex IPv4 (little-endian) and port, then state.
    private bool IsBound(string table, bool listenOnly)
    {
        var local = $"0100007F:{Port:X4}";
        const string TcpListen = "0A";
        return File.ReadLines(table).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 3 && fields[1] == local && (!listenOnly || fields[3] == TcpListen));
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            _log.Enqueue(line);
        }
    }
}
