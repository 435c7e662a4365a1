using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A real 3-member etcd cluster with a gRPC proxy in front, shared by tests that leave the cluster as they found it.</summary>
public sealed class ClusterWithGrpcProxyFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public GatewayProcess Proxy { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync(3);
        // An empty advertise URL forwards MemberList to the cluster (as etcd's own proxy tests run it); with one, the proxy
        // answers itself or the proxies registered with it (GrpcProxyRegistrationTests).
        Proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={Cluster.ClientEndpoints}", "--advertise-client-url="]);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
