namespace EtcdGateway.Relay;

/// <summary>One direction of a relayed connection: bytes waiting for a full destination, and whether the source ended.</summary>
internal struct RelayFlow
{
    /// <summary>Bytes read but not yet accepted by the destination (a pooled array), or null; reading waits until they are sent.</summary>
    public byte[]? Pending;

    public int PendingOffset;

    public int PendingCount;

    /// <summary>The source's FIN was read and passed on: nothing more flows this way.</summary>
    public bool Done;

    /// <summary>The last read filled the loop's buffer: this flow moves a stream, by splice (see <see cref="ChunkMover.Move"/>).</summary>
    public bool Streaming;

    /// <summary>Bytes moved this way so far.</summary>
    public long Bytes;

    public readonly bool WantsToRead => !Done && Pending is null;
}
