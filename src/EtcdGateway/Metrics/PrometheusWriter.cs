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

    /// <summary>The <c>_bucket</c> (cumulative, with <c>le</c>), <c>_sum</c> and <c>_count</c> series of a histogram.</summary>
    public void Histogram(string name, Histogram histogram)
    {
        var (cumulative, sum) = histogram.Read();
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            Sample(name + "_bucket", cumulative[i], ("le", Format(histogram.Bounds[i])));
        }

        Sample(name + "_bucket", cumulative[^1], ("le", "+Inf"));
        Sample(name + "_sum", sum);
        Sample(name + "_count", cumulative[^1]);
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
