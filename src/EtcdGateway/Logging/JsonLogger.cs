using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace EtcdGateway.Logging;

/// <summary>
/// Writes one JSON object per line in etcd's (zap) shape: <c>level</c>, <c>ts</c> (RFC 3339 UTC, milliseconds),
/// <c>caller</c> (<c>Folder/File.cs:line</c>), <c>msg</c>, then the fields. Thread-safe; logging is off the relay's hot path.
/// </summary>
internal sealed class JsonLogger : IDisposable
{
    private readonly Stream _output;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly MemoryStream _line = new();
    private Utf8JsonWriter? _writer;
    private readonly BackgroundLineWriter? _background;

    /// <param name="output">Where lines go.</param>
    /// <param name="minimumLevel">Lines below this level are skipped.</param>
    /// <param name="time">The clock for <c>ts</c>.</param>
    /// <param name="background">Write from a thread of our own, so no caller ever waits on <paramref name="output"/> (the gateway); false writes inline (tests, short commands).</param>
    public JsonLogger(Stream output, LogLevel minimumLevel, TimeProvider time, bool background = false)
    {
        _output = output;
        MinimumLevel = minimumLevel;
        _time = time;
        _background = background ? new BackgroundLineWriter(output) : null;
    }

    public LogLevel MinimumLevel { get; set; }

    public void Dispose()
    {
        _background?.Dispose();
        lock (_gate)
        {
            _writer?.Dispose();
            _line.Dispose();
        }
    }

    public bool IsEnabled(LogLevel level) => level >= MinimumLevel;

    /// <summary>Waits up to <paramref name="timeout"/> for lines written so far to reach the output (before an abrupt exit).</summary>
    public bool Flush(TimeSpan timeout) => _background?.WaitUntilWritten(timeout) ?? true;

    public void Debug(string message, ReadOnlySpan<LogField> fields = default, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(LogLevel.Debug, message, fields, file, line);

    public void Info(string message, ReadOnlySpan<LogField> fields = default, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(LogLevel.Info, message, fields, file, line);

    public void Warn(string message, ReadOnlySpan<LogField> fields = default, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(LogLevel.Warn, message, fields, file, line);

    public void Error(string message, ReadOnlySpan<LogField> fields = default, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(LogLevel.Error, message, fields, file, line);

    private void Write(LogLevel level, string message, ReadOnlySpan<LogField> fields, string file, int line)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        if (_background?.TakeDropped() is > 0 and var dropped)
        {
            WriteLine(LogLevel.Warn, "log lines dropped: stderr did not keep up", [new("dropped", dropped)], file, line);
        }

        WriteLine(level, message, fields, file, line);
    }

    private void WriteLine(LogLevel level, string message, ReadOnlySpan<LogField> fields, string file, int line)
    {
        lock (_gate)
        {
            _line.SetLength(0);

            // Made at the first line, not at start-up: the encoder's set-up is a few ms that --log-level=warn may never need.
            var writer = _writer ??= new Utf8JsonWriter(_line, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            writer.Reset(_line);
            writer.WriteStartObject();
            writer.WriteString("level", level.ToString().ToLowerInvariant());
            writer.WriteString("ts", _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("caller", Caller(file, line));
            writer.WriteString("msg", message);
            foreach (var field in fields)
            {
                WriteField(writer, field);
            }

            writer.WriteEndObject();
            writer.Flush();
            _line.WriteByte((byte)'\n');
            if (_background is not null)
            {
                _background.TryWrite(_line.GetBuffer().AsSpan(0, (int)_line.Length));
                return;
            }

            try
            {
                _output.Write(_line.GetBuffer(), 0, (int)_line.Length);
                _output.Flush();
            }
            catch (IOException)
            {
                // stderr went away (closed pipe); the gateway keeps proxying without logs rather than dying.
            }
        }
    }

    private static void WriteField(Utf8JsonWriter writer, LogField field)
    {
        switch (field.Value)
        {
            case null:
                writer.WriteNull(field.Key);
                break;
            case string s:
                writer.WriteString(field.Key, s);
                break;
            case bool b:
                writer.WriteBoolean(field.Key, b);
                break;
            case int i:
                writer.WriteNumber(field.Key, i);
                break;
            case long l:
                writer.WriteNumber(field.Key, l);
                break;
            case double d:
                writer.WriteNumber(field.Key, d);
                break;
            case TimeSpan t:
                writer.WriteString(field.Key, GoDuration.Format(t));
                break;
            case Exception e:
                writer.WriteString(field.Key, e.Message);
                break;
            case IEnumerable<string> list:
                writer.WriteStartArray(field.Key);
                foreach (var item in list)
                {
                    writer.WriteStringValue(item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteString(field.Key, Convert.ToString(field.Value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>The last folder and the file name, like zap's short caller (<c>tcpproxy/userspace.go:90</c>).</summary>
    private static string Caller(string file, int line)
    {
        var parts = file.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var shortName = parts.Length >= 2 ? $"{parts[^2]}/{parts[^1]}" : file;
        return $"{shortName}:{line.ToString(CultureInfo.InvariantCulture)}";
    }
}
