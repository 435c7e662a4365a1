using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Serving;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EtcdGateway.Tests.Grpc.Serving;

/// <summary>
/// The services' routes as the proxy binds them without reflection: exactly the methods etcd's protos declare (the
/// generated descriptors), each with its streaming kind, and nothing else.
/// </summary>
public class EtcdServiceBindingTests
{
    [Fact]
    public async Task Every_Method_Of_Every_Service_Is_Bound_With_Its_Kind_And_Nothing_Else()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddGrpc();
        EtcdServiceBinding.Register(builder.Services);
        await using var app = builder.Build();
        EtcdServiceBinding.Map(app);

        var bound = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method)
            .OfType<IMethod>()
            .Select(method => (method.FullName, method.Type))
            .Order()
            .ToList();

        var declared = Descriptors
            .SelectMany(service => service.Methods)
            .Select(method => ($"/{method.Service.FullName}/{method.Name}", KindOf(method)))
            .Order()
            .ToList();

        Assert.Equal(48, declared.Count);
        Assert.Equal(declared, bound);
    }

    [Fact]
    public void The_Metrics_List_Of_Served_Methods_Is_The_Protos_Methods_In_Their_Order_With_Their_Kinds()
    {
        var declared = Descriptors
            .SelectMany(service => service.Methods)
            .Select(method => new ServedMethod(method.Service.FullName, method.Name, GrpcMethodTypes.Of(method.IsClientStreaming, method.IsServerStreaming)))
            .ToList();

        Assert.Equal(48, declared.Count);
        Assert.Equal(declared, EtcdServices.Methods);
    }

    /// <summary>The generated descriptors of the services etcd's protos declare: the reference both lists are checked against.</summary>
    private static Google.Protobuf.Reflection.ServiceDescriptor[] Descriptors =>
    [
        global::EtcdGateway.Protos.Etcdserverpb.KV.Descriptor, global::EtcdGateway.Protos.Etcdserverpb.Watch.Descriptor, global::EtcdGateway.Protos.Etcdserverpb.Lease.Descriptor,
        global::EtcdGateway.Protos.Etcdserverpb.Cluster.Descriptor, global::EtcdGateway.Protos.Etcdserverpb.Maintenance.Descriptor, global::EtcdGateway.Protos.Etcdserverpb.Auth.Descriptor,
        global::EtcdGateway.Protos.V3lockpb.Lock.Descriptor, global::EtcdGateway.Protos.V3electionpb.Election.Descriptor,
    ];

    private static MethodType KindOf(Google.Protobuf.Reflection.MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (false, true) => MethodType.ServerStreaming,
        (true, false) => MethodType.ClientStreaming,
        (true, true) => MethodType.DuplexStreaming,
    };
}
