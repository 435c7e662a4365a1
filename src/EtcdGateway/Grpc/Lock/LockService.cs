using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.V3lockpb;
using Grpc.Core;
using LockApi = EtcdGateway.Protos.V3lockpb.Lock;

namespace EtcdGateway.Grpc.Lock;

/// <summary>
/// etcd's v3lock service, forwarded. Lock blocks until the lock is held; the client's deadline bounds it. The lock name
/// and key are keys like any other, in the key space (etcd's proxy leaves them outside its namespace).
/// </summary>
internal sealed class LockService(LockApi.LockClient cluster, KeySpace keys) : LockApi.LockBase
{
    public override async Task<LockResponse> Lock(LockRequest request, ServerCallContext context) =>
        keys.ToClient(await cluster.LockAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)));

    public override Task<UnlockResponse> Unlock(UnlockRequest request, ServerCallContext context) =>
        cluster.UnlockAsync(keys.ToCluster(request), ForwardedCallOptions.From(context)).ResponseAsync;
}
