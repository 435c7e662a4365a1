namespace EtcdGateway.Grpc.Watch;

/// <summary>The kinds of <see cref="SessionInput"/>.</summary>
internal enum SessionInputKind
{
    /// <summary>A request from the client.</summary>
    ClientRequest,

    /// <summary>The client half-closed its side (it still reads).</summary>
    ClientEnded,

    /// <summary>A shared watch has something new for one of the session's watchers.</summary>
    Wake,

    /// <summary>A response on a watcher's catch-up watch.</summary>
    CatchUpResponse,

    /// <summary>The cluster ended a catch-up watch (compaction, a refusal).</summary>
    CatchUpEnded,

    /// <summary>A catch-up watch found the cluster without a leader.</summary>
    CatchUpLeaderLost,

    /// <summary>A catch-up watch cannot go on (the proxy is shutting down).</summary>
    CatchUpFailed,
}
