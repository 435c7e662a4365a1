namespace EtcdGateway.IntegrationTests.Discovery;

/// <summary>The test classes that share <see cref="PlainDiscoveryClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PlainDiscoveryCluster : ICollectionFixture<PlainDiscoveryClusterFixture>
{
    public const string Name = "plain discovery cluster";
}
