using System.Globalization;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>Figures read from Prometheus pages: the members' own (what the cluster paid) and the proxy's admin listener.</summary>
public static class MemberMetrics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Range calls the members handled, all codes, summed over the cluster.</summary>
    public static async Task<double> RangeCallsAsync(EtcdCluster cluster)
    {
        var total = 0.0;
        foreach (var member in cluster.Members)
        {
            total += await SumAsync($"{member.ClientUrl}/metrics", "grpc_server_handled_total", "grpc_method=\"Range\"");
        }

        return total;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="labels"/> on the page at <paramref name="url"/>.</summary>
    public static async Task<double> SumAsync(string url, string name, string labels = "")
    {
        var page = await Http.GetStringAsync(url);
        var sum = 0.0;
        foreach (var line in page.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if ((rest.Length > 0 && rest[0] != ' ' && rest[0] != '{') || !rest.Contains(labels, StringComparison.Ordinal))
            {
                continue;
            }

            sum += double.Parse(rest[(rest.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }

        return sum;
    }
}
