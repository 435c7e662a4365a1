namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// What the range cache feeds: etcd's <c>etcd_grpc_proxy_cache_keys_total</c>, <c>_cache_hits_total</c> and
/// <c>_cache_misses_total</c> (all three gauges in etcd, kept so), and the bytes the cached answers take (ours).
/// Interlocked only.
/// </summary>
internal sealed class RangeCacheMetrics
{
    private long _keys;
    private long _hits;
    private long _misses;
    private long _bytes;

    /// <summary>Ranges held in the cache now.</summary>
    public long Keys => Volatile.Read(ref _keys);

    public long Hits => Volatile.Read(ref _hits);

    public long Misses => Volatile.Read(ref _misses);

    /// <summary>Bytes the cached answers take now, as the cache counts them against its bound.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    public void KeysNow(long count) => Volatile.Write(ref _keys, count);

    public void BytesNow(long bytes) => Volatile.Write(ref _bytes, bytes);

    public void Hit() => Interlocked.Increment(ref _hits);

    public void Miss() => Interlocked.Increment(ref _misses);
}
