using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>A client watcher attached to a <see cref="SharedWatch"/>: told when there is something new, and a source of credentials.</summary>
internal interface IWatchSubscriber
{
    /// <summary>The client's token metadata, with which the cluster watcher may be (re)created.</summary>
    Metadata Credentials { get; }

    /// <summary>Something new: events, progress, or the end. Called from the shared watch's thread: must not block.</summary>
    void Wake();
}
