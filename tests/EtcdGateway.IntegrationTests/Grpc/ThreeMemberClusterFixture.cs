using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A real 3-member etcd cluster shared by tests that each keep to keys of their own and leave the members running.</summary>
public sealed class ThreeMemberClusterFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await EtcdCluster.StartAsync(3);

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
