using System.Text;
using System.Text.Json;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Logging;

public class JsonLoggerTests
{
    [Fact]
    public void WritesOneJsonObjectPerLine_InEtcdsShape()
    {
        using var output = new MemoryStream();
        var time = new ManualTimeProvider();
        time.Advance(TimeSpan.FromMilliseconds(29 * 60_000 + 34_347));
        using var logger = new JsonLogger(output, LogLevel.Info, time);

        logger.Warn("deactivated endpoint", [new("address", "127.0.0.1:2379"), new("interval", TimeSpan.FromMinutes(1)), LogField.Error("dial tcp 127.0.0.1:2379: connection refused")]);

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(["level", "ts", "caller", "msg", "address", "interval", "error"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("warn", root.GetProperty("level").GetString());
        Assert.Equal("2026-11-21T00:29:34.347Z", root.GetProperty("ts").GetString());
        Assert.Matches(@"^Logging/JsonLoggerTests\.cs:\d+$", root.GetProperty("caller").GetString());
        Assert.Equal("1m0s", root.GetProperty("interval").GetString());
        Assert.Equal("dial tcp 127.0.0.1:2379: connection refused", root.GetProperty("error").GetString());
    }

    [Fact]
    public void ListsAreJsonArrays()
    {
        using var output = new MemoryStream();
        using var logger = new JsonLogger(output, LogLevel.Info, TimeProvider.System);
        logger.Info("ready to proxy client requests", [new("endpoints", new[] { "a:1", "b:2" })]);
        using var json = JsonDocument.Parse(output.ToArray());
        Assert.Equal(["a:1", "b:2"], json.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void LinesBelowTheLevel_AreDropped()
    {
        using var output = new MemoryStream();
        using var logger = new JsonLogger(output, LogLevel.Warn, TimeProvider.System);
        logger.Debug("d");
        logger.Info("i");
        logger.Warn("w");
        logger.Error("e");
        var lines = Encoding.UTF8.GetString(output.ToArray()).TrimEnd('\n').Split('\n');
        Assert.Equal(["warn", "error"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("level").GetString()));
    }

    [Fact]
    public void ValuesAreEscaped_SoALineStaysOneLine()
    {
        using var output = new MemoryStream();
        using var logger = new JsonLogger(output, LogLevel.Info, TimeProvider.System);
        logger.Info("a\nb", [new("value", "\"quoted\"\r\n")]);
        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        Assert.Equal("\"quoted\"\r\n", JsonDocument.Parse(text).RootElement.GetProperty("value").GetString());
    }
}
