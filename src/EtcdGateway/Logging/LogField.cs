namespace EtcdGateway.Logging;

/// <summary>One structured field of a log line. Durations print in Go syntax, exceptions as their message, as zap does for etcd.</summary>
internal readonly record struct LogField(string Key, object? Value)
{
    /// <summary>An expected failure (a refused dial, a bad file, NXDOMAIN) whose message is the whole story.</summary>
    public static LogField Error(Exception exception) => new("error", exception);

    public static LogField Error(string message) => new("error", message);

    /// <summary>
    /// A fault the code did not expect (a bug, or a failure no one planned for): <c>error</c> (the message),
    /// <c>error-type</c> (the exception's full type name) and <c>stack</c> (the exception as .NET prints it: type,
    /// message, inner exceptions and stack traces), so the line alone says where it came from.
    /// </summary>
    public static LogField[] Unexpected(Exception exception) =>
    [
        new("error", exception.Message),
        new("error-type", exception.GetType().FullName),
        new("stack", exception.ToString()),
    ];
}
