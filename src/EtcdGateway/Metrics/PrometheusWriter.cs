using System.Globalization;
using System.Text;

namespace EtcdGateway.Metrics;

/// <summary>Prometheus text exposition format 0.0.4, written by hand: HELP and TYPE lines, escaped label values.</summary>
internal sealed class PrometheusWriter(StringBuilder output)
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void Family(string name, string type, string help) =>
        output.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n')
              .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    public void Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        output.Append(name);
        if (labels.Length > 0)
        {
            output.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                output.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"").Append(EscapeLabel(labels[i].Value)).Append('"');
            }

            output.Append('}');
        }

        output.Append(' ').Append(Format(value)).Append('\n');
    }

    /// <summary>
    /// The <c>_bucket</c> (cumulative, with <c>le</c> after <paramref name="labels"/>, as Prometheus' own clients write it),
    /// <c>_sum</c> and <c>_count</c> series of a histogram.
    /// </summary>
    public void Histogram(string name, Histogram histogram, params (string Name, string Value)[] labels)
    {
        var (cumulative, sum) = histogram.Read();
        var bucket = new (string Name, string Value)[labels.Length + 1];
        labels.CopyTo(bucket, 0);
        for (var i = 0; i <= histogram.Bounds.Count; i++)
        {
            bucket[^1] = ("le", i < histogram.Bounds.Count ? Format(histogram.Bounds[i]) : "+Inf");
            Sample(name + "_bucket", cumulative[i], bucket);
        }

        Sample(name + "_sum", sum, labels);
        Sample(name + "_count", cumulative[^1], labels);
    }

    public static string Format(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string EscapeLabel(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeHelp(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
