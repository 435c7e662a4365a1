namespace EtcdGateway.Logging;

/// <summary>Log severities, named as etcd's <c>--log-level</c> names them.</summary>
internal enum LogLevel
{
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}
