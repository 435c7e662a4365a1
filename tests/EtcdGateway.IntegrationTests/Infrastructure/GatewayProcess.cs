using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>
/// The real etcd-gateway executable, started as a user would start it: the published <c>out/etcd-gateway</c> when
/// <c>ETCD_GATEWAY_BIN</c> names it (as scripts/test does), otherwise the build output next to the tests.
/// Captures its JSON log lines from stderr.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GatewayProcess(Process process, string listenAddress)
    {
        _process = process;
        ListenAddress = listenAddress;
    }

    /// <summary><c>127.0.0.1:PORT</c> the gateway listens on.</summary>
    public string ListenAddress { get; }

    /// <summary>The port actually listened on, from the ready log line (so <c>:0</c> works too).</summary>
    public int ListenPort
    {
        get
        {
            var ready = LogEntries("ready to proxy client requests");
            var address = ready.Count > 0 ? ready[0].GetProperty("listen-addr").GetString()! : ListenAddress;
            return int.Parse(address[(address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Every stderr line so far (JSON log lines, or the one-line usage error).</summary>
    public IReadOnlyList<string> StderrLines => [.. _stderr];

    public string Log => string.Join('\n', _stderr);

    /// <summary>The parsed log lines whose <c>msg</c> equals <paramref name="message"/>.</summary>
    public IReadOnlyList<JsonElement> LogEntries(string message) =>
        [.. _stderr.Select(TryParse).Where(e => e is { } json && json.TryGetProperty("msg", out var msg) && msg.GetString() == message).Select(e => e!.Value)];

    /// <summary>
    /// Starts the gateway with <paramref name="args"/> plus <c>--listen-addr</c> on a free port (unless given) and waits for
    /// "ready to proxy client requests". With <paramref name="fdLimit"/>, runs it under <c>ulimit -n</c>; with
    /// <paramref name="launcher"/>, through that program (which is given the gateway's path and arguments to exec).
    /// </summary>
    public static Task<GatewayProcess> StartAsync(
        IEnumerable<string> args, int? fdLimit = null, IDictionary<string, string>? environment = null, bool waitReady = true, string? launcher = null) =>
        StartCommandAsync(["start"], "ready to proxy client requests", args, fdLimit, environment, waitReady, launcher);

    /// <summary>
    /// Starts <paramref name="command"/> (<c>start</c>, <c>grpc-proxy start</c>) with <paramref name="args"/> plus
    /// <c>--listen-addr</c> on a free port (unless given) and waits for <paramref name="readyMessage"/>.
    /// </summary>
    public static async Task<GatewayProcess> StartCommandAsync(
        IReadOnlyList<string> command, string readyMessage, IEnumerable<string> args, int? fdLimit = null, IDictionary<string, string>? environment = null,
        bool waitReady = true, string? launcher = null)
    {
        var arguments = args.ToList();
        var listen = arguments.FirstOrDefault(a => a.StartsWith("--listen-addr=", StringComparison.Ordinal))?["--listen-addr=".Length..];
        if (listen is null)
        {
            listen = $"127.0.0.1:{FreePorts.Next()}";
            arguments.Add($"--listen-addr={listen}");
        }

        var gateway = new GatewayProcess(new Process { StartInfo = CreateStartInfo([.. command, .. arguments], fdLimit, environment, launcher) }, listen);
        gateway.Start();
        if (waitReady)
        {
            await gateway.WaitForLogAsync(readyMessage, TimeSpan.FromSeconds(20));
        }

        return gateway;
    }

    /// <summary>Runs the executable to completion (for usage errors, help, version) and returns what it printed.</summary>
    public static async Task<CommandResult> RunToExitAsync(IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var gateway = new GatewayProcess(new Process { StartInfo = CreateStartInfo(args, null, environment) }, "");
        gateway.Start();
        try
        {
            var code = await gateway.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(20));
            return new CommandResult(code, string.Join('\n', gateway._stdout), string.Join('\n', gateway._stderr));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    public async Task<JsonElement> WaitForLogAsync(string message, TimeSpan timeout, Func<JsonElement, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = LogEntries(message).FirstOrDefault(e => match?.Invoke(e) ?? true);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found;
            }

            if (_process.HasExited)
            {
                await _stderrClosed.Task.WaitAsync(TimeSpan.FromSeconds(5));
                found = LogEntries(message).FirstOrDefault(e => match?.Invoke(e) ?? true);
                if (found.ValueKind != JsonValueKind.Undefined)
                {
                    return found;
                }

                throw new InvalidOperationException($"gateway exited with {_process.ExitCode} before logging \"{message}\":\n{Log}");
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"gateway did not log \"{message}\" within {timeout}:\n{Log}\n{SignalState()}");
    }

    /// <summary>
    /// The process's state and signal masks from /proc (pending, blocked, caught), so that a timeout waiting for what a
    /// signal should have caused says whether the signal arrived, is still pending, or was blocked.
    /// </summary>
    private string SignalState()
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{_process.Id}/status")
                .Where(l => l.StartsWith("State:", StringComparison.Ordinal) || l.StartsWith("Threads:", StringComparison.Ordinal) || l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("ShdPnd:", StringComparison.Ordinal));
            return "process " + _process.Id + ": " + string.Join("; ", lines.Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));
        }
        catch (IOException e)
        {
            return $"process {_process.Id}: no /proc status ({e.Message})";
        }
    }

    public void Terminate() => Posix.Signal(_process.Id, Posix.SigTerm);

    public void Interrupt() => Posix.Signal(_process.Id, Posix.SigInt);

    /// <summary>Waits for the process to exit and returns its exit code; throws on timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"gateway still running after {timeout}:\n{Log}");
        }

        await _stderrClosed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private void Start()
    {
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _stdout.Enqueue(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _stderrClosed.TrySetResult();
            }
            else
            {
                _stderr.Enqueue(e.Data);
            }
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private static ProcessStartInfo CreateStartInfo(IEnumerable<string> args, int? fdLimit, IDictionary<string, string>? environment, string? launcher = null)
    {
        var (file, prefix) = Executable();
        if (launcher is not null)
        {
            prefix = [file, .. prefix];
            file = launcher;
        }

        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (fdLimit is { } limit)
        {
            // ulimit applies to the shell, and exec hands the limit to the gateway.
            info.FileName = "/bin/bash";
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"ulimit -n {limit} && exec \"$0\" \"$@\"");
            info.ArgumentList.Add(file);
        }
        else
        {
            info.FileName = file;
        }

        foreach (var arg in prefix.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("NOTIFY_SOCKET");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Whether the gateway under test is the published native executable (scripts/test sets <c>ETCD_GATEWAY_BIN</c>).</summary>
    public static bool IsNativeExecutable =>
        Environment.GetEnvironmentVariable("ETCD_GATEWAY_BIN") is { Length: > 0 } path && File.Exists(path) && !path.EndsWith(".dll", StringComparison.Ordinal);

    /// <summary>The JIT build next to the tests, run by the dotnet host: what the product was before it was native.</summary>
    public static (string File, string[] Prefix) JitBuild => ("dotnet", [Path.Combine(AppContext.BaseDirectory, "etcd-gateway.dll")]);

    private static (string File, string[] Prefix) Executable()
    {
        var published = Environment.GetEnvironmentVariable("ETCD_GATEWAY_BIN");
        if (!string.IsNullOrEmpty(published))
        {
            return (published, []);
        }

        return JitBuild;
    }

    private static JsonElement? TryParse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
