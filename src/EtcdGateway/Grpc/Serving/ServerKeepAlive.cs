namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// <c>--grpc-keepalive-interval</c> and <c>--grpc-keepalive-timeout</c> as Kestrel's HTTP/2 keep-alive ping, meaning
/// what they mean to etcd's gRPC-Go server: after <c>interval</c> without a frame from the client, ping it; no frame within
/// <c>timeout</c> after that, close the connection. gRPC-Go reads 0 as its default (2 h, 20 s), not as "off", whatever
/// etcd's help text says; it raises an interval under 1 s to 1 s, as Kestrel requires.
/// </summary>
internal static class ServerKeepAlive
{
    /// <summary>gRPC-Go's server ping interval when none is set.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(2);

    /// <summary>gRPC-Go's wait for the ping's answer when none is set.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Kestrel's smallest keep-alive ping delay and timeout, and gRPC-Go's smallest interval.</summary>
    private static readonly TimeSpan Minimum = TimeSpan.FromSeconds(1);

    /// <summary>Kestrel's <c>KeepAlivePingDelay</c> for <c>--grpc-keepalive-interval</c>.</summary>
    public static TimeSpan PingDelay(TimeSpan interval) => AtLeastOneSecond(interval <= TimeSpan.Zero ? DefaultInterval : interval);

    /// <summary>Kestrel's <c>KeepAlivePingTimeout</c> for <c>--grpc-keepalive-timeout</c>.</summary>
    public static TimeSpan PingTimeout(TimeSpan timeout) => AtLeastOneSecond(timeout <= TimeSpan.Zero ? DefaultTimeout : timeout);

    private static TimeSpan AtLeastOneSecond(TimeSpan value) => value < Minimum ? Minimum : value;
}
