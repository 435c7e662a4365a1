using System.Diagnostics;

namespace EtcdGateway.Tests.Deploy;

/// <summary><c>systemd-analyze verify</c> on a unit file from deploy/, skipped (not passed) where systemd-analyze is missing.</summary>
internal static class SystemdAnalyzer
{
    private const string Executable = "/usr/bin/systemd-analyze";

    /// <summary>
    /// Verifies a copy of the unit in <paramref name="directory"/> whose ExecStart names /bin/true instead of the installed
    /// binary (verify insists that it exists); every other line is kept. Returns the exit code and what it printed; an
    /// unknown key or unparsable value is only a warning, printed as "&lt;path&gt;:&lt;line&gt;: ...", with exit code 0.
    /// </summary>
    public static (int ExitCode, string Output, string CopyPath) Verify(string unitPath, string directory)
    {
        Assert.SkipUnless(File.Exists(Executable), $"{Executable} is not installed (Debian: apt-get install systemd); the unit's other checks still ran.");

        var text = File.ReadAllText(unitPath).Replace(DeployFiles.InstalledBinary, "/bin/true", StringComparison.Ordinal);
        var copy = Path.Combine(directory, Path.GetFileName(unitPath));
        File.WriteAllText(copy, text);

        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("verify");
        start.ArgumentList.Add(copy);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"{Executable} verify {copy} did not finish within 60s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result, copy);
    }
}
