using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Etcd;

/// <summary>A real 3-member etcd cluster with a gateway in front, shared by tests that leave the cluster as they found it.</summary>
public sealed class ClusterWithGatewayFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public GatewayProcess Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await EtcdCluster.StartAsync(3);
        Gateway = await GatewayProcess.StartAsync([$"--endpoints={Cluster.ClientEndpoints}"]);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
