using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Kv;

/// <summary>
/// etcd's KV service, forwarded: each call goes to a member with the caller's metadata, deadline and cancellation, its keys
/// translated by the key space (<c>--namespace</c>). Compact names a revision of the whole cluster and passes as it is.
/// </summary>
internal sealed class KvService(KV.KVClient cluster, KeySpace keys) : KV.KVBase
{
    public override async Task<RangeResponse> Range(RangeRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.RangeAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override async Task<PutResponse> Put(PutRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.PutAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override async Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.DeleteRangeAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override async Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.TxnAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context) =>
        cluster.CompactAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
