using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// A keep-alive stream that asked for a leader (<c>hasleader</c>, as etcd's own client always asks for its keep-alives)
/// ends once the cluster has lost its leader, with the status a member ends it with: Unavailable "etcdserver: no leader".
/// </summary>
public sealed class LeaseKeepAliveLeaderLossTests
{
    private static readonly TimeSpan EndedWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_Keep_Alive_Stream_That_Requires_A_Leader_Ends_As_Etcd_Ends_It_When_The_Cluster_Loses_Its_Leader()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var proxied = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var lease = (await new Lease.LeaseClient(direct).LeaseGrantAsync(new LeaseGrantRequest { TTL = 60 })).ID;
        var hasLeader = new Metadata { { "hasleader", "true" } };

        using var stop = new CancellationTokenSource();
        var etcds = KeepAliveUntilEndedAsync("etcd", direct, hasLeader, lease, stop.Token);
        var ours = KeepAliveUntilEndedAsync("proxy", proxied, hasLeader, lease, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(etcds.IsCompleted || ours.IsCompleted, "a keep-alive stream ended while the cluster had a leader");

        // :: Two of three members gone: the survivor has no leader.
        cluster.Kill(1);
        cluster.Kill(2);
        stop.CancelAfter(EndedWithin);
        var etcdsEnd = await etcds;
        var oursEnd = await ours;

        Assert.Equal((StatusCode.Unavailable, "etcdserver: no leader"), (etcdsEnd?.StatusCode, etcdsEnd?.Status.Detail));
        Assert.Equal((etcdsEnd?.StatusCode, etcdsEnd?.Status.Detail), (oursEnd?.StatusCode, oursEnd?.Status.Detail));
    }

    /// <summary>Keeps the lease alive twice a second, as a client would; the error the stream ended with (null: still open when stopped).</summary>
    private static async Task<RpcException?> KeepAliveUntilEndedAsync(string name, GrpcChannel channel, Metadata headers, long lease, CancellationToken stop)
    {
        using var stream = new Lease.LeaseClient(channel).LeaseKeepAlive(headers, cancellationToken: CancellationToken.None);
        var answers = 0;
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(
            async () =>
            {
                while (await stream.ResponseStream.MoveNext(CancellationToken.None))
                {
                    answers++;
                }
            },
            CancellationToken.None);
        try
        {
            while (!reading.IsCompleted && !stop.IsCancellationRequested)
            {
                await stream.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, CancellationToken.None);
                await Task.WhenAny(reading, Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None));
            }

            await Task.WhenAny(reading, Task.Delay(Timeout.InfiniteTimeSpan, stop));
            await reading.WaitAsync(TimeSpan.FromMilliseconds(1), CancellationToken.None);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: ended OK after {clock.Elapsed}, {answers} answers");
            return null;
        }
        catch (RpcException e)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {e.StatusCode} {e.Status.Detail} after {clock.Elapsed}, {answers} answers");
            return e;
        }
        catch (TimeoutException)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: still open after {clock.Elapsed}, {answers} answers");
            return null;
        }
    }
}
