namespace EtcdGateway.Logging;

/// <summary>One structured field of a log line. Durations print in Go syntax, exceptions as their message, as zap does for etcd.</summary>
internal readonly record struct LogField(string Key, object? Value)
{
    public static LogField Error(Exception exception) => new("error", exception);

    public static LogField Error(string message) => new("error", message);
}
