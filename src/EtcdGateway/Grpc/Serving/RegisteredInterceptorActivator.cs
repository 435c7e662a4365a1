using Grpc.AspNetCore.Server;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.DependencyInjection;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// Hands gRPC the one registered instance of an interceptor for every call, as Grpc.AspNetCore's own activator does for
/// a registered interceptor; named in code for the same reason as <see cref="RegisteredServiceActivator{TService}"/>.
/// </summary>
internal sealed class RegisteredInterceptorActivator<TInterceptor> : IGrpcInterceptorActivator<TInterceptor>
    where TInterceptor : Interceptor
{
    private TInterceptor? _interceptor;

    public GrpcActivatorHandle<Interceptor> Create(IServiceProvider serviceProvider, InterceptorRegistration interceptorRegistration) =>
        new(_interceptor ??= serviceProvider.GetRequiredService<TInterceptor>(), created: false, state: null);

    public ValueTask ReleaseAsync(GrpcActivatorHandle<Interceptor> interceptor) => ValueTask.CompletedTask;
}
