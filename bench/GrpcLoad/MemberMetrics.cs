using System.Globalization;

namespace GrpcLoad;

/// <summary>Sums samples from the members' Prometheus pages (what the cluster holds for the clients).</summary>
internal static class MemberMetrics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>The sum over all pages of every sample of <paramref name="name"/> whose labels contain <paramref name="labelPart"/>.</summary>
    public static async Task<double> SumAsync(IReadOnlyList<string> urls, string name, string labelPart = "")
    {
        if (urls.Count == 0)
        {
            return double.NaN;
        }
        double sum = 0;
        foreach (var url in urls)
        {
            var page = await Http.GetStringAsync(url);
            foreach (var line in page.Split('\n'))
            {
                if (line.StartsWith(name, StringComparison.Ordinal) && (line.Length > name.Length && line[name.Length] is ' ' or '{')
                    && line.Contains(labelPart, StringComparison.Ordinal))
                {
                    sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }
        return sum;
    }

    /// <summary>Open streams of one gRPC method: started minus handled (a stream is handled when it ends).</summary>
    public static async Task<double> OpenStreamsAsync(IReadOnlyList<string> urls, string method)
    {
        var label = $"grpc_method=\"{method}\"";
        return await SumAsync(urls, "grpc_server_started_total", label) - await SumAsync(urls, "grpc_server_handled_total", label);
    }
}
