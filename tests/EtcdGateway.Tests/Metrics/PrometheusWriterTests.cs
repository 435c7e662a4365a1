using System.Text;
using EtcdGateway.Metrics;

namespace EtcdGateway.Tests.Metrics;

public class PrometheusWriterTests
{
    [Fact]
    public void Family_And_Samples_FollowTheTextFormat()
    {
        var text = new StringBuilder();
        var writer = new PrometheusWriter(text);
        writer.Family("x_total", "counter", "Things.");
        writer.Sample("x_total", 3, ("endpoint", "a:1"), ("direction", "client_to_endpoint"));
        Assert.Equal("# HELP x_total Things.\n# TYPE x_total counter\nx_total{endpoint=\"a:1\",direction=\"client_to_endpoint\"} 3\n", text.ToString());
    }

    [Fact]
    public void LabelValues_AreEscaped()
    {
        var text = new StringBuilder();
        new PrometheusWriter(text).Sample("m", 1, ("l", "a\"b\\c\nd"));
        Assert.Equal("m{l=\"a\\\"b\\\\c\\nd\"} 1\n", text.ToString());
    }

    [Theory]
    [InlineData(0.5, "0.5")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Numbers_UseInvariantFormatting(double value, string expected) =>
        Assert.Equal(expected, PrometheusWriter.Format(value));

    [Fact]
    public void Histogram_IsCumulative_WithSumAndCount()
    {
        var histogram = new Histogram(0.1, 1);
        histogram.Record(TimeSpan.FromMilliseconds(50));
        histogram.Record(TimeSpan.FromMilliseconds(500));
        histogram.Record(TimeSpan.FromSeconds(5));
        var text = new StringBuilder();
        new PrometheusWriter(text).Histogram("d_seconds", histogram);
        Assert.Equal(
            "d_seconds_bucket{le=\"0.1\"} 1\nd_seconds_bucket{le=\"1\"} 2\nd_seconds_bucket{le=\"+Inf\"} 3\nd_seconds_sum 5.55\nd_seconds_count 3\n",
            text.ToString());
    }

    [Fact]
    public async Task Histogram_LosesNothing_UnderConcurrentRecording()
    {
        var histogram = new Histogram(0.001);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                histogram.Record(TimeSpan.FromMilliseconds(2 * (i % 2)));
            }
        })));
        var (cumulative, _) = histogram.Read();
        Assert.Equal(40_000, cumulative[0]);
        Assert.Equal(80_000, cumulative[^1]);
    }

    [Fact]
    public void Histogram_WithLabels_PutsLeLast_AndLabelsSumAndCount()
    {
        var histogram = new Histogram(0.1);
        histogram.Record(TimeSpan.FromMilliseconds(50));
        var text = new StringBuilder();
        new PrometheusWriter(text).Histogram("d_seconds", histogram, ("a", "x"), ("b", "y"));
        Assert.Equal(
            "d_seconds_bucket{a=\"x\",b=\"y\",le=\"0.1\"} 1\nd_seconds_bucket{a=\"x\",b=\"y\",le=\"+Inf\"} 1\n" +
            "d_seconds_sum{a=\"x\",b=\"y\"} 0.05\nd_seconds_count{a=\"x\",b=\"y\"} 1\n",
            text.ToString());
    }
}
