using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// What one client watcher reads of its shared watch at one moment: the history's responses from its next revision on,
/// how far the history is complete, progress notifications, and the end if the cluster ended the watch.
/// </summary>
/// <param name="Entries">Responses with events at or after the revision asked for.</param>
/// <param name="Covers">Whether the history holds every event from the revision asked for (else: catch-up).</param>
/// <param name="Through">Every event up to this revision is known.</param>
/// <param name="Header">The member's latest header (cluster, member, term).</param>
/// <param name="ProgressSequence">Counts the cluster watcher's own progress notifications.</param>
/// <param name="ProgressRevision">The revision of the latest of those.</param>
/// <param name="ProgressAnswered">The latest progress request ticket answered (<see cref="SharedWatch.AskProgress"/>).</param>
/// <param name="LeaderLosses">Counts the times the cluster watcher found the cluster without a leader.</param>
/// <param name="End">The cluster's last word for the watch (compaction, refusal), once it ended.</param>
/// <param name="Failure">Set when the watch cannot go on (the proxy is shutting down).</param>
internal sealed record SharedWatchView(
    List<HistoryEntry> Entries,
    bool Covers,
    long Through,
    ResponseHeader Header,
    long ProgressSequence,
    long ProgressRevision,
    long ProgressAnswered,
    long LeaderLosses,
    WatchResponse? End,
    global::Grpc.Core.RpcException? Failure);
