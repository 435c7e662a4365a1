namespace EtcdGateway.Grpc.Watch;

/// <summary>Where a <see cref="ClientWatcher"/> stands.</summary>
internal enum WatcherPhase
{
    /// <summary>Created; events flow.</summary>
    Live,

    /// <summary>Canceled by the cluster (compaction, a refusal); its id is held until the client cancels it, as in etcd.</summary>
    Ended,
}
