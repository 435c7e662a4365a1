using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// One cached answer: the cluster's Range response (never changed once stored), the revision it was read at, the keys it
/// covers, its size and when it was stored; its place in the store's LRU order.
/// </summary>
internal sealed class CachedRange(RangeCacheKey key, KeyRange range, RangeResponse response, long size, DateTimeOffset storedAt)
{
    public RangeCacheKey Key { get; } = key;

    public KeyRange Range { get; } = range;

    public RangeResponse Response { get; } = response;

    /// <summary>The store revision the answer reflects: every write up to it, none after.</summary>
    public long Revision { get; } = response.Header?.Revision ?? 0;

    /// <summary>Bytes counted against the store's bound: the response, the request it answers, bookkeeping.</summary>
    public long Size { get; } = size;

    public DateTimeOffset StoredAt { get; } = storedAt;

    public LinkedListNode<CachedRange>? LruNode { get; set; }
}
