using System.Globalization;
using System.Text.RegularExpressions;

namespace EtcdGateway.Tests.Metrics;

/// <summary>
/// Reads a Prometheus text exposition back, strictly: every line is a well-formed HELP, TYPE or sample line, a family is
/// typed once and before its samples, a label is given once per sample. A malformed page fails the test that reads it.
/// </summary>
internal sealed partial class Exposition
{
    private Exposition(List<ExpositionSample> samples, Dictionary<string, string> types)
    {
        Samples = samples;
        Types = types;
    }

    public IReadOnlyList<ExpositionSample> Samples { get; }

    /// <summary>Family name → counter, gauge or histogram.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public static Exposition Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new List<ExpositionSample>();
        var types = new Dictionary<string, string>();
        var helped = new HashSet<string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (HelpLine().Match(line) is { Success: true } help)
            {
                Assert.True(helped.Add(help.Groups[1].Value), $"HELP given twice: {line}");
                continue;
            }

            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.True(types.TryAdd(type.Groups[1].Value, type.Groups[2].Value), $"TYPE given twice: {line}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: {line}");
            var name = sample.Groups[1].Value;
            var family = types.ContainsKey(name) ? name : HistogramSuffix().Replace(name, "");
            Assert.True(types.ContainsKey(family), $"sample before its TYPE: {line}");
            var labels = new Dictionary<string, string>();
            foreach (Match label in LabelPair().Matches(sample.Groups[2].Value))
            {
                Assert.True(labels.TryAdd(label.Groups[1].Value, Unescape(label.Groups[2].Value)), $"label given twice: {line}");
            }

            var value = sample.Groups[3].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new ExpositionSample(name, labels, value));
        }

        return new Exposition(samples, types);
    }

    /// <summary>The samples named <paramref name="name"/> whose labels include every pair given.</summary>
    public IEnumerable<ExpositionSample> Where(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    /// <summary>The one sample named <paramref name="name"/> with these labels; fails unless there is exactly one.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) => Assert.Single(Where(name, labels)).Value;

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\\n]|\\.)*)""")]
    private static partial Regex LabelPair();

    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}
