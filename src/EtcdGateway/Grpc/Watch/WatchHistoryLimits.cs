namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// How much of its recent past a shared cluster watcher keeps for watchers that join it late or fall behind: at most
/// <paramref name="Events"/> events and <paramref name="Bytes"/> bytes of them (the newest response is kept whatever its
/// size). A watcher that needs older events gets a catch-up watch of its own.
/// </summary>
internal sealed record WatchHistoryLimits(int Events, long Bytes)
{
    /// <summary>10,000 events (<c>--watch-history-size</c>) or 64 MiB per watched range: minutes of a busy key, little for a quiet one.</summary>
    public static WatchHistoryLimits Default { get; } = new(10_000, 64L * 1024 * 1024);
}
