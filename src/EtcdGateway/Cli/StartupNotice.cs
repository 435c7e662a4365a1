using EtcdGateway.Logging;

namespace EtcdGateway.Cli;

/// <summary>A remark made while reading flags, logged once the gateway's logger is running.</summary>
internal sealed record StartupNotice(LogLevel Level, string Message, string Flag, string Value);
