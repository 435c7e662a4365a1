using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Kv;

/// <summary>etcd's KV service, forwarded: each call goes to a member with the caller's metadata, deadline and cancellation.</summary>
internal sealed class KvService(KV.KVClient cluster) : KV.KVBase
{
    public override Task<RangeResponse> Range(RangeRequest request, ServerCallContext context) =>
        cluster.RangeAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<PutResponse> Put(PutRequest request, ServerCallContext context) =>
        cluster.PutAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context) =>
        cluster.DeleteRangeAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context) =>
        cluster.TxnAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context) =>
        cluster.CompactAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
