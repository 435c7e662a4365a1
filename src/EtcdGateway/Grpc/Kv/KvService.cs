using EtcdGateway.Grpc.Cache;
using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Kv;

/// <summary>
/// etcd's KV service, forwarded: each call goes to a member with the caller's metadata, deadline and cancellation, its keys
/// translated by the key space (<c>--namespace</c>). Compact names a revision of the whole cluster and passes as it is.
/// With the range cache, serializable Ranges at the current revision are answered from it where it may, and every write
/// drops what it touched from it (the cache works on the cluster's keys, so it sits between the two translations).
/// </summary>
internal sealed class KvService(KV.KVClient cluster, KeySpace keys, RangeCache? cache = null) : KV.KVBase
{
    public override async Task<RangeResponse> Range(RangeRequest request, ServerCallContext context)
    {
        var clusterRequest = keys.ToCluster(request);
        if (cache is null || !RangeCache.IsCacheable(clusterRequest))
        {
            return keys.ToClient(await cluster.RangeAsync(clusterRequest, ForwardedCallOptions.From(context)));
        }

        var key = RangeCache.KeyOf(context.RequestHeaders, clusterRequest);
        if (cache.TryGet(key) is { } cached)
        {
            return keys.ToClient(cached);
        }

        var response = await cluster.RangeAsync(clusterRequest, ForwardedCallOptions.From(context));
        cache.Offer(key, clusterRequest, response);
        return keys.ToClient(response);
    }

    public override async Task<PutResponse> Put(PutRequest request, ServerCallContext context)
    {
        var clusterRequest = keys.ToCluster(request);
        var response = await Written(cluster.PutAsync(clusterRequest, ForwardedCallOptions.From(context)).ResponseAsync, () => WriteFootprint.Of(clusterRequest), r => r.Header);
        return keys.ToClient(response);
    }

    public override async Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context)
    {
        var clusterRequest = keys.ToCluster(request);
        var response = await Written(cluster.DeleteRangeAsync(clusterRequest, ForwardedCallOptions.From(context)).ResponseAsync, () => WriteFootprint.Of(clusterRequest), r => r.Header);
        return keys.ToClient(response);
    }

    public override async Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context)
    {
        var clusterRequest = keys.ToCluster(request);
        var response = await Written(cluster.TxnAsync(clusterRequest, ForwardedCallOptions.From(context)).ResponseAsync, () => WriteFootprint.Of(clusterRequest), r => r.Header);
        return keys.ToClient(response);
    }

    public override Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context) =>
        cluster.CompactAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    /// <summary>The write's answer; on the way, the cache drops what it touched (at the write's revision, or all of it on failure).</summary>
    private async Task<T> Written<T>(Task<T> write, Func<IReadOnlyList<Cache.KeyRange>> touched, Func<T, ResponseHeader?> header)
    {
        if (cache is null)
        {
            return await write;
        }

        try
        {
            var response = await write;
            if (header(response) is { Revision: > 0 } answered)
            {
                cache.Written(touched(), answered.Revision);
            }
            else
            {
                cache.WriteFailed(touched());
            }

            return response;
        }
        catch
        {
            cache.WriteFailed(touched());
            throw;
        }
    }
}
