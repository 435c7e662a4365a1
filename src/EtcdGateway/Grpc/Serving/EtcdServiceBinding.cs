using System.Diagnostics.CodeAnalysis;
using EtcdGateway.Grpc.Auth;
using EtcdGateway.Grpc.Cluster;
using EtcdGateway.Grpc.Election;
using EtcdGateway.Grpc.Kv;
using EtcdGateway.Grpc.Lease;
using EtcdGateway.Grpc.Lock;
using EtcdGateway.Grpc.Maintenance;
using EtcdGateway.Grpc.Watch;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// How the proxy's services are bound to their routes: by the <c>*Methods</c> providers, which name every method and
/// type in code. Grpc.AspNetCore's own provider finds them by reflection over the generated base classes and calls
/// each through a generic virtual method, which in the native executable builds types at run time: about 60 ms and
/// 20 MB of garbage at every start, for 48 methods.
/// </summary>
internal static class EtcdServiceBinding
{
    /// <summary>
    /// Replaces the reflection provider that <c>AddGrpc</c> registered with the proxy's own, one per service, and gives each
    /// service its activator and (empty) service options as closed types. Left to the library's open generic registrations,
    /// the native executable builds each of those types at run time, about a dozen per service, at every start.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        Register<KvService, KvMethods>(services);
        Register<WatchService, WatchMethods>(services);
        Register<LeaseService, LeaseMethods>(services);
        Register<ClusterService, ClusterMethods>(services);
        Register<MaintenanceService, MaintenanceMethods>(services);
        Register<AuthService, AuthMethods>(services);
        Register<LockService, LockMethods>(services);
        Register<ElectionService, ElectionMethods>(services);
    }

    // gRPC asks the service type to keep its methods and constructors; the providers are made by their constructors.
    private static void Register<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] TService,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TMethods>(IServiceCollection services)
        where TService : class
        where TMethods : class, IServiceMethodProvider<TService>
    {
        services.AddSingleton<IServiceMethodProvider<TService>, TMethods>();
        services.AddSingleton<IGrpcServiceActivator<TService>>(new RegisteredServiceActivator<TService>());

        // No service is configured apart from the others: the global options (GrpcProxyServer) apply to every call.
        services.AddSingleton(Options.Create(new GrpcServiceOptions<TService>()));
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
