using System.Diagnostics;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Runs the real etcdctl (v3 API) against a list of endpoints, e.g. a cluster or a gateway.</summary>
public static class Etcdctl
{
    private const string ExecutablePath = "/usr/bin/etcdctl";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static Task<CommandResult> RunAsync(string endpoints, params string[] args) =>
        RunAsync(endpoints, (IEnumerable<string>)args);

    /// <summary>
    /// Runs etcdctl against TLS endpoints (<c>https://127.0.0.1:PORT</c>), trusting only the CA certificate at
    /// <paramref name="caCertificatePath"/>.
    /// </summary>
    public static Task<CommandResult> RunTlsAsync(string endpoints, string caCertificatePath, params string[] args) =>
        RunAsync(endpoints, [$"--cacert={caCertificatePath}", .. args]);

    /// <summary>
    /// Runs etcdctl to completion. If it outlives <paramref name="timeout"/> (30 s by default) it is killed
    /// and the result has exit code -1 and whatever output was captured until then.
    /// </summary>
    public static async Task<CommandResult> RunAsync(
        string endpoints, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        using var process = new Process { StartInfo = CreateStartInfo(endpoints, args) };
        process.StartInfo.RedirectStandardInput = stdin is not null;
        process.Start();

        // Both pipes are drained concurrently so a chatty etcdctl can never block on a full pipe.
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();

        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var exitCode = -1;
        using (var timeoutSource = new CancellationTokenSource(timeout ?? DefaultTimeout))
        {
            try
            {
                await process.WaitForExitAsync(timeoutSource.Token);
                exitCode = process.ExitCode;
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        return new CommandResult(exitCode, await stdoutTask, await stderrTask);
    }

    /// <summary>
    /// Starts a command that keeps running, such as <c>watch</c>, <c>lock</c> or <c>elect</c>, with stdout and
    /// stderr redirected for the caller to read line by line. The caller must kill and dispose the process.
    /// </summary>
    public static Process StartLongRunning(string endpoints, params string[] args)
    {
        var process = new Process { StartInfo = CreateStartInfo(endpoints, args) };
        process.Start();
        return process;
    }

    private static ProcessStartInfo CreateStartInfo(string endpoints, IEnumerable<string> args)
    {
        var argList = args.ToList();
        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Settings inherited from the developer's shell (ETCDCTL_ENDPOINTS, certificates, ...) must not leak in.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("ETCDCTL_", StringComparison.Ordinal)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["ETCDCTL_API"] = "3";

        startInfo.ArgumentList.Add($"--endpoints={endpoints}");

        // Pinned so an unreachable endpoint fails within seconds and predictably; a value the caller passes wins.
        if (!argList.Any(a => a.StartsWith("--dial-timeout", StringComparison.Ordinal)))
        {
            startInfo.ArgumentList.Add("--dial-timeout=3s");
        }

        if (!argList.Any(a => a.StartsWith("--command-timeout", StringComparison.Ordinal)))
        {
            startInfo.ArgumentList.Add("--command-timeout=5s");
        }

        foreach (var arg in argList)
        {
            startInfo.ArgumentList.Add(arg);
        }

        return startInfo;
    }
}
