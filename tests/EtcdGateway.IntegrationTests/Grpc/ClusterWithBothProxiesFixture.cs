using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// A real 3-member etcd cluster with two L7 proxies in front of it, ours and etcd's own, so that the same call can be
/// sent to a member, through ours and through etcd's. Without an <c>etcd</c> executable nothing starts and
/// <see cref="MissingReason"/> says why.
/// </summary>
public sealed class ClusterWithBothProxiesFixture : IAsyncLifetime
{
    public EtcdCluster Cluster { get; private set; } = null!;

    public GatewayProcess Ours { get; private set; } = null!;

    public EtcdGrpcProxyProcess Etcds { get; private set; } = null!;

    /// <summary>Why nothing was started, or null when everything runs.</summary>
    public string? MissingReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (EtcdGrpcProxyProcess.Executable is null)
        {
            MissingReason = "etcd is not installed (Debian: apt-get install etcd-server; scripts/test installs it)";
            return;
        }

        Cluster = await EtcdCluster.StartAsync(3);
        Ours = await GrpcProxyProcess.StartAsync([$"--endpoints={Cluster.ClientEndpoints}", "--advertise-client-url="]);
        Etcds = await EtcdGrpcProxyProcess.StartAsync(Cluster.ClientEndpoints);
    }

    public async ValueTask DisposeAsync()
    {
        if (Etcds is not null)
        {
            await Etcds.DisposeAsync();
        }

        if (Ours is not null)
        {
            await Ours.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
