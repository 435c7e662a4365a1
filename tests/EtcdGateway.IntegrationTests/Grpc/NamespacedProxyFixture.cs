using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A real 3-member etcd cluster with <c>grpc-proxy start --namespace=ns/</c> in front, shared by the namespace tests.</summary>
public sealed class NamespacedProxyFixture : IAsyncLifetime
{
    public const string Prefix = "ns/";

    public EtcdCluster Cluster { get; private set; } = null!;

    public GatewayProcess Proxy { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync(3);
        Proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={Cluster.ClientEndpoints}", $"--namespace={Prefix}"]);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
