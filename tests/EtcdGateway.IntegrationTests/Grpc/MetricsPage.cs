using System.Globalization;
using System.Text.RegularExpressions;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A Prometheus text page read for its samples: a member's own /metrics, or the proxy's.</summary>
public static partial class MetricsPage
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Every sample of <paramref name="url"/>'s page: name, labels as written, value.</summary>
    public static async Task<List<(string Name, string Labels, double Value)>> ReadAsync(string url)
    {
        var text = await Http.GetStringAsync(url);
        var samples = new List<(string, string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (Sample().Match(line) is { Success: true } m)
            {
                samples.Add((m.Groups[1].Value, m.Groups[2].Value, double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
        }

        return samples;
    }

    /// <summary>The sum of <paramref name="name"/>'s samples whose labels contain <paramref name="label"/>.</summary>
    public static double Sum(IEnumerable<(string Name, string Labels, double Value)> samples, string name, string label = "") =>
        samples.Where(s => s.Name == name && s.Labels.Contains(label, StringComparison.Ordinal)).Sum(s => s.Value);

    /// <summary>
    /// LeaseKeepAlive streams open on a member, as it counts them itself: started minus handled (every code) for the
    /// method; <paramref name="memberClientAddress"/> is its client address (etcd serves /metrics there).
    /// </summary>
    public static async Task<double> OpenKeepAliveStreamsAsync(string memberClientAddress)
    {
        var samples = await ReadAsync($"http://{memberClientAddress}/metrics");
        const string method = "grpc_method=\"LeaseKeepAlive\"";
        return Sum(samples, "grpc_server_started_total", method) - Sum(samples, "grpc_server_handled_total", method);
    }

    [GeneratedRegex("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? ([^ ]+)")]
    private static partial Regex Sample();
}
