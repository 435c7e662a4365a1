using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Keep-alives with auth on: clients share a stream to the cluster only with clients that send the same token (etcd
/// 3.4.42/3.5.28/3.6.9 and later check the renewing user's permission with the stream's token), and each is answered
/// as a member answers it directly (etcd 3.4.23, here, renews for anyone, with or without a token).
/// </summary>
public class LeaseKeepAliveAuthTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Clients_Share_A_Cluster_Stream_Only_With_Clients_Sending_The_Same_Token()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var auth = new Auth.AuthClient(channel);
        await auth.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = "rootpw" });
        await auth.RoleAddAsync(new AuthRoleAddRequest { Name = "root" });
        await auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
        await auth.UserAddAsync(new AuthUserAddRequest { Name = "alice", Password = "alicepw" });
        var baseline = await OpenStreamsAsync(cluster);
        await auth.AuthEnableAsync(new AuthEnableRequest());
        var root = await TokenAsync(auth, "root", "rootpw");
        var alice = await TokenAsync(auth, "alice", "alicepw");
        var clock = Stopwatch.StartNew();
        var clients = new List<KeepAliveRecorder>();
        try
        {
            var lease = await new Lease.LeaseClient(channel).LeaseGrantAsync(new LeaseGrantRequest { TTL = 30 }, root);

            // Three clients with alice's token, two with root's, one with none: three streams on the cluster.
            foreach (var headers in new[] { alice, alice, alice, root, root, new Metadata() })
            {
                var client = new KeepAliveRecorder(new Lease.LeaseClient(channel).LeaseKeepAlive(headers), lease.ID, clock);
                clients.Add(client);
                var answer = await client.OnceAsync(Timeout);
                Assert.Equal((lease.ID, 30L), (answer.ID, answer.TTL));
            }

            var ours = await MetricsPage.ReadAsync($"{admin}/metrics");
            Assert.Equal(3, MetricsPage.Sum(ours, "etcd_gateway_lease_keepalive_cluster_streams"));
            Assert.Equal(6, MetricsPage.Sum(ours, "etcd_gateway_lease_keepalive_client_streams"));
            Assert.Equal(3, await OpenStreamsAsync(cluster) - baseline);

            // As a member answers each of them directly.
            foreach (var headers in new[] { alice, new Metadata() })
            {
                using var member = new Lease.LeaseClient(direct).LeaseKeepAlive(headers);
                using var proxied = new Lease.LeaseClient(channel).LeaseKeepAlive(headers);
                var etcds = await new KeepAliveRecorder(member, lease.ID, clock).OnceAsync(Timeout);
                var answer = await new KeepAliveRecorder(proxied, lease.ID, clock).OnceAsync(Timeout);
                Assert.Equal((etcds.ID, etcds.TTL, etcds.Header.ClusterId), (answer.ID, answer.TTL, answer.Header.ClusterId));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }

            await auth.AuthDisableAsync(new AuthDisableRequest(), root);
        }
    }

    private static async Task<Metadata> TokenAsync(Auth.AuthClient auth, string user, string password) =>
        new() { { "token", (await auth.AuthenticateAsync(new AuthenticateRequest { Name = user, Password = password })).Token } };

    private static async Task<double> OpenStreamsAsync(EtcdCluster cluster)
    {
        var total = 0.0;
        foreach (var member in cluster.Members)
        {
            total += await MetricsPage.OpenKeepAliveStreamsAsync(member.ClientAddress);
        }

        return total;
    }
}
