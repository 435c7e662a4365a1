using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>What an <see cref="UpstreamWatch"/> asks of and tells the part it works for (a shared watch, a catch-up watch).</summary>
internal interface IUpstreamWatchOwner
{
    /// <summary>Where to (re)create the cluster watcher from: one past the last revision the owner has every event of.</summary>
    long ResumeRevision { get; }

    /// <summary>The credentials (token metadata) to try <paramref name="attempt"/>-th on one member; null when none are left to try.</summary>
    Metadata? Credentials(int attempt);

    /// <summary>A member created the cluster watcher (again, after a move).</summary>
    void Created(WatchResponse created);

    /// <summary>Events or a progress notification, in the member's order; awaiting it holds the member's stream back.</summary>
    ValueTask ReceivedAsync(WatchResponse response);

    /// <summary>The cluster ended the watcher for good: a compaction, or a refusal with its reason (every credential tried).</summary>
    void Ended(WatchResponse end);

    /// <summary>
    /// The cluster has lost its leader as etcd tells a <c>hasleader</c> stream: the member ended the watcher's stream with
    /// "no leader" (etcd does after about three election timeouts without one), or members kept refusing it for as long.
    /// The watcher keeps trying; the owner ends the client streams that asked for a leader.
    /// </summary>
    void LeaderLost();

    /// <summary>The watch cannot go on: the proxy is shutting down, or no call can be made at all.</summary>
    void Failed(RpcException error);
}
