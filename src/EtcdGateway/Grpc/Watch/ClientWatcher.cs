using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One of a client's watchers on a stream: the id the client knows it by, the id the proxy gives it on member streams,
/// the create request as the cluster takes it, where it stands, and how far its events have reached the client.
/// </summary>
internal sealed class ClientWatcher
{
    public ClientWatcher(long requestedId, long memberWatchId, WatchCreateRequest request)
    {
        Id = requestedId;
        IdChosenByClient = requestedId != 0;
        MemberWatchId = memberWatchId;
        Request = request;
        Progress = new WatchProgress(request.StartRevision);
    }

    /// <summary>The id the client sees: the one it chose, or (asked for 0, etcd's automatic id) the one given at creation.</summary>
    public long Id { get; set; }

    public bool IdChosenByClient { get; }

    /// <summary>
    /// The id on member streams, never 0 (which would ask the member to choose) and the same on every member, so the
    /// client's ids never depend on a member's counter.
    /// </summary>
    public long MemberWatchId { get; }

    /// <summary>The create request as the cluster takes it (namespace applied), with <see cref="MemberWatchId"/> as its id.</summary>
    public WatchCreateRequest Request { get; }

    public WatcherPhase Phase { get; set; } = WatcherPhase.Creating;

    /// <summary>The current member stream holds this watcher (a cancel goes there; otherwise the proxy answers it).</summary>
    public bool OnMember { get; set; }

    public WatchProgress Progress { get; }
}
