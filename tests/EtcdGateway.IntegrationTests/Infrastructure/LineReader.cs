using System.Diagnostics;
using System.Threading.Channels;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Reads a long-running process's stdout line by line with a timeout per line (for watch, lock, elect).</summary>
public sealed class LineReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public LineReader(Process process)
    {
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                _lines.Writer.TryWrite(e.Data);
            }
        };
        process.BeginOutputReadLine();
    }

    /// <summary>True once at least one line has arrived and not been read yet.</summary>
    public bool HasLine => _lines.Reader.Count > 0;

    /// <summary>The next non-empty line; throws <see cref="TimeoutException"/> if none arrives in time.</summary>
    public async Task<string> ReadAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cancel.Token);
                if (line.Length > 0)
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no line within {timeout}");
        }
    }
}
