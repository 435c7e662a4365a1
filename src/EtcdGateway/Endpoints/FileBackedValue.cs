namespace EtcdGateway.Endpoints;

/// <summary>
/// Something made from files (a certificate and its key, a CA bundle, a revocation list) that is made again at its next
/// use after any of the files changed, so a renewed certificate under the same path takes effect without a restart, as
/// etcd reads its certificate files again at each handshake. A change is seen by the files' size and modification time,
/// checked at each use (a few stat calls, against a TLS handshake's milliseconds). When the changed files cannot be read
/// (a certificate renewed before its key, say), the last good value stays in use and the failure is reported once per
/// change; the next change is tried again.
/// </summary>
internal sealed class FileBackedValue<T>
    where T : class
{
    private readonly string[] _paths;
    private readonly Func<T> _load;
    private readonly Action<Exception> _reportFailure;
    private readonly Lock _reloading = new();
    private volatile Snapshot _current;

    /// <summary>Makes the first value now; a failure then is the caller's to report (the files were checked at start).</summary>
    public FileBackedValue(IEnumerable<string> paths, Func<T> load, Action<Exception> reportFailure)
    {
        _paths = [.. paths];
        _load = load;
        _reportFailure = reportFailure;
        var stamps = Stamps();
        _current = new Snapshot(stamps, load());
    }

    /// <summary>The value for the files as they are now.</summary>
    public T Current
    {
        get
        {
            var current = _current;
            var stamps = Stamps();
            if (current.Stamps.AsSpan().SequenceEqual(stamps))
            {
                return current.Value;
            }

            lock (_reloading)
            {
                current = _current;
                if (!current.Stamps.AsSpan().SequenceEqual(stamps))
                {
                    try
                    {
                        _current = new Snapshot(stamps, _load());
                    }
                    catch (Exception e)
                    {
                        // Remember the stamps anyway, so a broken file is reported once and not re-read at every use.
                        _current = current with { Stamps = stamps };
                        _reportFailure(e);
                    }
                }

                return _current.Value;
            }
        }
    }

    private FileStamp[] Stamps()
    {
        var stamps = new FileStamp[_paths.Length];
        for (var i = 0; i < _paths.Length; i++)
        {
            var file = new FileInfo(_paths[i]);
            stamps[i] = file.Exists ? new FileStamp(file.Length, file.LastWriteTimeUtc.Ticks) : default;
        }

        return stamps;
    }

    private readonly record struct FileStamp(long Length, long ModifiedTicks);

    private sealed record Snapshot(FileStamp[] Stamps, T Value);
}
