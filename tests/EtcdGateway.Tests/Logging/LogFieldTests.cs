using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Logging;

public class LogFieldTests
{
    [Fact]
    public void Unexpected_LogsTheMessage_TheTypeAndTheStack_OnOneLine()
    {
        var fault = Catch(ThrowWrapped);
        using var output = new MemoryStream();
        using var logger = new JsonLogger(output, LogLevel.Info, TimeProvider.System);

        logger.Error("endpoint monitor round failed; trying again next interval", [.. LogField.Unexpected(fault)]);

        var text = Encoding.UTF8.GetString(output.ToArray());
        Assert.Single(text.TrimEnd('\n').Split('\n'));
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(["level", "ts", "caller", "msg", "error", "error-type", "stack"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("round went wrong", root.GetProperty("error").GetString());
        Assert.Equal("System.InvalidOperationException", root.GetProperty("error-type").GetString());
        var stack = root.GetProperty("stack").GetString()!;
        Assert.Contains(nameof(ThrowWrapped), stack, StringComparison.Ordinal);
        Assert.Contains(nameof(ThrowInner), stack, StringComparison.Ordinal);
        Assert.Contains("System.Collections.Generic.KeyNotFoundException: no such endpoint", stack, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_LogsOnlyTheMessage_ForFailuresWhoseMessageIsTheReason()
    {
        using var output = new MemoryStream();
        using var logger = new JsonLogger(output, LogLevel.Info, TimeProvider.System);

        logger.Warn("deactivated endpoint", [LogField.Error(new IOException("connection refused"))]);

        using var json = JsonDocument.Parse(output.ToArray());
        Assert.Equal(["level", "ts", "caller", "msg", "error"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("connection refused", json.RootElement.GetProperty("error").GetString());
    }

    private static Exception Catch(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }

        throw new InvalidOperationException("the action did not throw");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowWrapped()
    {
        try
        {
            ThrowInner();
        }
        catch (KeyNotFoundException e)
        {
            throw new InvalidOperationException("round went wrong", e);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowInner() => throw new KeyNotFoundException("no such endpoint");
}
