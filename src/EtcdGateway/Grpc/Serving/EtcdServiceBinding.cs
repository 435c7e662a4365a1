using EtcdGateway.Grpc.Auth;
using EtcdGateway.Grpc.Cluster;
using EtcdGateway.Grpc.Election;
using EtcdGateway.Grpc.Kv;
using EtcdGateway.Grpc.Lease;
using EtcdGateway.Grpc.Lock;
using EtcdGateway.Grpc.Maintenance;
using EtcdGateway.Grpc.Watch;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// How the proxy's services are bound to their routes: by the <c>*Methods</c> providers, which name every method and
/// type in code. Grpc.AspNetCore's own provider finds them by reflection over the generated base classes and calls
/// each through a generic virtual method, which in the native executable builds types at run time: about 60 ms and
/// 20 MB of garbage at every start, for 48 methods.
/// </summary>
internal static class EtcdServiceBinding
{
    /// <summary>Replaces the reflection provider that <c>AddGrpc</c> registered with the proxy's own, one per service.</summary>
    public static void Register(IServiceCollection services)
    {
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.AddSingleton<IServiceMethodProvider<KvService>, KvMethods>();
        services.AddSingleton<IServiceMethodProvider<WatchService>, WatchMethods>();
        services.AddSingleton<IServiceMethodProvider<LeaseService>, LeaseMethods>();
        services.AddSingleton<IServiceMethodProvider<ClusterService>, ClusterMethods>();
        services.AddSingleton<IServiceMethodProvider<MaintenanceService>, MaintenanceMethods>();
        services.AddSingleton<IServiceMethodProvider<AuthService>, AuthMethods>();
        services.AddSingleton<IServiceMethodProvider<LockService>, LockMethods>();
        services.AddSingleton<IServiceMethodProvider<ElectionService>, ElectionMethods>();
    }

    /// <summary>Routes every etcd service the proxy serves.</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGrpcService<KvService>();
        routes.MapGrpcService<WatchService>();
        routes.MapGrpcService<LeaseService>();
        routes.MapGrpcService<ClusterService>();
        routes.MapGrpcService<MaintenanceService>();
        routes.MapGrpcService<AuthService>();
        routes.MapGrpcService<LockService>();
        routes.MapGrpcService<ElectionService>();
    }
}
