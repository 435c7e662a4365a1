namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// What the store asks of the watches that feed it: open or close an identity's stream, create or cancel a watcher on it.
/// Called under the store's lock, so each call only queues the request and returns; answers come back through the
/// store's methods.
/// </summary>
internal interface IInvalidationFeed
{
    void Open(IdentityWatches watches);

    void Create(IdentityWatches watches, WatchedRange range);

    void Cancel(IdentityWatches watches, WatchedRange range);

    void Close(IdentityWatches watches);
}
