using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.V3lockpb;
using Grpc.Core;
using LockApi = EtcdGateway.Protos.V3lockpb.Lock;

namespace EtcdGateway.Grpc.Lock;

/// <summary>etcd's v3lock service (etcdctl lock), forwarded. Lock blocks until the lock is held; the client's deadline bounds it.</summary>
internal sealed class LockService(LockApi.LockClient cluster) : LockApi.LockBase
{
    public override Task<LockResponse> Lock(LockRequest request, ServerCallContext context) =>
        cluster.LockAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;

    public override Task<UnlockResponse> Unlock(UnlockRequest request, ServerCallContext context) =>
        cluster.UnlockAsync(request, ForwardedCallOptions.From(context)).ResponseAsync;
}
