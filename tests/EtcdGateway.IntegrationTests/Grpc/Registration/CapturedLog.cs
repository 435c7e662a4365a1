using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EtcdGateway.Logging;

namespace EtcdGateway.IntegrationTests.Grpc.Registration;

/// <summary>A <see cref="JsonLogger"/> whose lines a test can read while the part under test keeps writing.</summary>
internal sealed class CapturedLog : Stream
{
    private readonly ConcurrentQueue<string> _lines = new();

    public CapturedLog() => Logger = new JsonLogger(this, LogLevel.Debug, TimeProvider.System);

    public JsonLogger Logger { get; }

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>How many lines say <paramref name="message"/>, at <paramref name="level"/> if given.</summary>
    public int Count(string message, string? level = null) => _lines.Count(line =>
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("msg").GetString() == message && (level is null || json.RootElement.GetProperty("level").GetString() == level);
    });

    public override string ToString() => string.Join('\n', _lines);

    public override void Write(byte[] buffer, int offset, int count)
    {
        foreach (var line in Encoding.UTF8.GetString(buffer, offset, count).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            _lines.Enqueue(line);
        }
    }

    public override void Flush()
    {
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
