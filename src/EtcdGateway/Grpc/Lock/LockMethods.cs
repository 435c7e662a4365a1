using EtcdGateway.Grpc.Serving;
using EtcdGateway.Protos.V3lockpb;
using Grpc.AspNetCore.Server.Model;

namespace EtcdGateway.Grpc.Lock;

/// <summary>Binds etcd's Lock service (<c>v3lockpb.Lock</c>) to <see cref="LockService"/>, every type known at build time.</summary>
internal sealed class LockMethods : IServiceMethodProvider<LockService>
{
    private const string Service = "v3lockpb.Lock";

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<LockService> context)
    {
        context.AddUnaryMethod(ProtoMethods.Unary<LockRequest, LockResponse>(Service, "Lock"), [], (s, r, c) => s.Lock(r, c));
        context.AddUnaryMethod(ProtoMethods.Unary<UnlockRequest, UnlockResponse>(Service, "Unlock"), [], (s, r, c) => s.Unlock(r, c));
    }
}
