using System.Globalization;
using System.Text.RegularExpressions;

namespace EtcdGateway.Tests.Deploy;

/// <summary>Where the repository's deploy/ files are, and how their tests read command lines and systemd time spans.</summary>
internal static partial class DeployFiles
{
    public const string InstalledBinary = "/usr/local/bin/etcd-gateway";

    public static readonly string RepoRoot = FindRepoRoot();

    public static string InDeploy(params string[] parts) => Path.Combine([RepoRoot, "deploy", .. parts]);

    public static string[] SplitCommandLine(string commandLine) => commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The flag names (without dashes) of every <c>--flag</c> or <c>--flag=value</c> argument.</summary>
    public static IEnumerable<string> FlagNames(IEnumerable<string> args) =>
        args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a[2..].Split('=')[0]);

    /// <summary>systemd's time span syntax, as far as a stop timeout needs it: "40", "40s", "1min", "1min 30s".</summary>
    public static TimeSpan SystemdSeconds(string text)
    {
        var total = TimeSpan.Zero;
        foreach (Match part in SystemdTimePattern().Matches(text))
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "" or "s" or "sec" => TimeSpan.FromSeconds(value),
                "min" or "m" => TimeSpan.FromMinutes(value),
                "ms" or "msec" => TimeSpan.FromMilliseconds(value),
                "h" or "hr" => TimeSpan.FromHours(value),
                var unit => throw new FormatException($"unit {unit} in {text}"),
            };
        }

        return total;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EtcdGateway.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no EtcdGateway.slnx above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)\s*([a-z]*)")]
    private static partial Regex SystemdTimePattern();
}
