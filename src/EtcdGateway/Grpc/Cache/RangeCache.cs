using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The proxy's Range cache as the KV service uses it: serializable Ranges at the current revision answered from the
/// store, per caller identity and exact request; everything else forwarded. The store is kept true by watches on the
/// cached ranges (<see cref="RangeCacheFeed"/>) and by the writes that pass through the proxy. Requests and answers here
/// are the cluster's (after <c>--namespace</c>), so the cache needs no namespace of its own.
/// <code>
/// Range ──► cacheable? ──no──► forward
///              │yes
///              ▼
///          store hit (watch confirmed and heard, entry young) ──► answer
///              │miss
///              ▼
///          forward ──► store (unless a newer write to its keys was seen; its watch created from its revision + 1)
/// </code>
/// </summary>
internal sealed class RangeCache
{
    private readonly RangeCacheStore _store;
    private readonly RangeCacheMetrics _metrics;
    private readonly CancellationToken _stopping;

    private RangeCache(RangeCacheStore store, RangeCacheMetrics metrics, CancellationToken stopping)
    {
        _store = store;
        _metrics = metrics;
        _stopping = stopping;
    }

    /// <summary>The cache over <paramref name="cluster"/>, its watches ended by <paramref name="stopping"/>.</summary>
    public static RangeCache Create(
        CallInvoker cluster, RangeCacheOptions options, RangeCacheMetrics metrics, JsonLogger logger, TimeProvider time, CancellationToken stopping)
    {
        var feed = new RangeCacheFeed(cluster, options, logger, time, stopping);
        var store = new RangeCacheStore(options, metrics, feed, time);
        feed.Start(store);
        return new RangeCache(store, metrics, stopping);
    }

    /// <summary>
    /// Serializable (a linearizable read must reach the leader) and at the current revision: a revision-pinned read is
    /// answered by the cluster at that revision, or refused there as compacted.
    /// </summary>
    public static bool IsCacheable(RangeRequest clusterRequest) => clusterRequest.Serializable && clusterRequest.Revision == 0;

    /// <summary>The key a cacheable request of this caller is found by.</summary>
    public static RangeCacheKey KeyOf(Metadata requestHeaders, RangeRequest clusterRequest) =>
        new(CacheIdentity.Of(requestHeaders), clusterRequest.ToByteString());

    public RangeResponse? TryGet(RangeCacheKey key)
    {
        var hit = _store.TryGet(key);
        if (hit is null)
        {
            _metrics.Miss();
        }
        else
        {
            _metrics.Hit();
        }

        return hit;
    }

    /// <summary>The cluster's answer to a miss, offered for storing.</summary>
    public void Offer(RangeCacheKey key, RangeRequest clusterRequest, RangeResponse response)
    {
        if (!_stopping.IsCancellationRequested)
        {
            _store.TryStore(key, new KeyRange(clusterRequest.Key, clusterRequest.RangeEnd), response);
        }
    }

    /// <summary>A write through the proxy answered at <paramref name="revision"/>: what it touched is dropped, for every caller.</summary>
    public void Written(IReadOnlyList<KeyRange> touched, long revision)
    {
        foreach (var keys in touched)
        {
            _store.Invalidate(keys, revision);
        }
    }

    /// <summary>A write through the proxy failed, or its outcome is unknown: what it may have touched is dropped.</summary>
    public void WriteFailed(IReadOnlyList<KeyRange> touched)
    {
        foreach (var keys in touched)
        {
            _store.Invalidate(keys);
        }
    }
}
