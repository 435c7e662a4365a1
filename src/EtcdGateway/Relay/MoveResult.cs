namespace EtcdGateway.Relay;

/// <summary>What one attempt to move a chunk from a source socket to a destination socket came to.</summary>
internal enum MoveResult
{
    /// <summary>Nothing more to read for now (the loop hears again when there is).</summary>
    Drained,

    /// <summary>A chunk moved and there may be more.</summary>
    MovedChunk,

    /// <summary>The destination is full; the rest of the chunk waits in the flow's pending bytes.</summary>
    Blocked,

    /// <summary>The source sent its FIN.</summary>
    EndOfStream,

    /// <summary>A call on either socket failed (a reset, say): the connection is aborted.</summary>
    Failed,
}
