using System.Diagnostics.CodeAnalysis;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// Hands gRPC the one registered instance of a service for every call, as Grpc.AspNetCore's own activator does for a
/// singleton. Registered per service in code (<see cref="EtcdServiceBinding"/>): the library's open generic activator is
/// a type the native executable builds at run time, at every start, for each service.
/// </summary>
internal sealed class RegisteredServiceActivator<
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] TService> : IGrpcServiceActivator<TService>
    where TService : class
{
    private TService? _service;

    public GrpcActivatorHandle<TService> Create(IServiceProvider serviceProvider) =>
        new(_service ??= serviceProvider.GetRequiredService<TService>(), created: false, state: null);

    public ValueTask ReleaseAsync(GrpcActivatorHandle<TService> service) => ValueTask.CompletedTask;
}
