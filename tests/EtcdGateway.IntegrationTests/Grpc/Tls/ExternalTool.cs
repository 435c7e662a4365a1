using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc.Tls;

/// <summary>curl and openssl, run as an operator would run them against the proxy's TLS port.</summary>
public static class ExternalTool
{
    /// <summary>
    /// Runs <paramref name="program"/> to completion (killed after 20 s) with stdin closed; skips the test when the
    /// program is not installed (scripts/test installs it).
    /// </summary>
    public static async Task<CommandResult> RunAsync(string program, params string[] args)
    {
        var path = new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            Assert.Skip($"{program} is not installed (scripts/test installs it)");
        }

        var startInfo = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new CommandResult(-1, await stdout, await stderr);
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
