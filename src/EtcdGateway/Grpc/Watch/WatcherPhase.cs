namespace EtcdGateway.Grpc.Watch;

/// <summary>Where a <see cref="ClientWatcher"/> stands.</summary>
internal enum WatcherPhase
{
    /// <summary>The client's create request is with the member; no Created response yet.</summary>
    Creating,

    /// <summary>Created; events flow.</summary>
    Live,

    /// <summary>The client asked to cancel it; the member's answer has not come.</summary>
    Canceling,

    /// <summary>Canceled by the cluster (compaction, or a refusal when watched again); its id is held until the client cancels it, as in etcd.</summary>
    Ended,
}
