namespace EtcdGateway.Endpoints;

/// <summary>An open client connection as the tracker sees it: where it is relayed to, and a way to reset it.</summary>
internal interface ITrackedConnection
{
    /// <summary>The endpoint this connection is relayed to, once dialed (eject-grace closes connections by it).</summary>
    Endpoints.Endpoint? Endpoint { get; }

    /// <summary>Resets both sides (RST, not FIN). Safe from any thread, and more than once.</summary>
    void Abort();

    /// <summary>
    /// Health has just taken this connection's endpoint out of rotation; <see cref="Abort"/> follows after the eject
    /// grace if the connection is still open then. What can move at once without changing what the client sees (a read
    /// that can be asked again of another member) moves now; a byte stream cannot, so by default nothing happens.
    /// </summary>
    void LeftRotation()
    {
    }
}
