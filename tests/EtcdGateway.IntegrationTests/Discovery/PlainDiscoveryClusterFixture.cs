using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>
/// One plain-http etcd cluster shared by the discovery tests that need no TLS; each test publishes its own SRV records
/// for some of its members. Five members, so that freezing the two preferred ones still leaves a quorum and the backup
/// keeps serving writes. Tests that freeze members resume them and wait until they are healthy again.
/// </summary>
public sealed class PlainDiscoveryClusterFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Cluster = await EtcdCluster.StartAsync(5);

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
