using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Kv;

/// <summary>Binds etcd's KV service (<c>etcdserverpb.KV</c>) to <see cref="KvService"/>, every type known at build time.</summary>
internal sealed class KvMethods : IServiceMethodProvider<KvService>
{
    private const string Service = "etcdserverpb.KV";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<KvService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<RangeRequest, RangeResponse>(Service, "Range"), [], (s, r, c) => s.Range(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<PutRequest, PutResponse>(Service, "Put"), [], (s, r, c) => s.Put(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<DeleteRangeRequest, DeleteRangeResponse>(Service, "DeleteRange"), [], (s, r, c) => s.DeleteRange(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<TxnRequest, TxnResponse>(Service, "Txn"), [], (s, r, c) => s.Txn(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<CompactionRequest, CompactionResponse>(Service, "Compact"), [], (s, r, c) => s.Compact(r, c));
    }
}
