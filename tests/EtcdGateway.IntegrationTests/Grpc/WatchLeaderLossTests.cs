using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// A watch stream that asked for a leader (etcd's <c>WithRequireLeader</c>: <c>hasleader</c> metadata) is ended once the
/// cluster has lost its leader, as a member ends it: Unavailable "etcdserver: no leader". A watch stream on the same range
/// that did not ask for one stays open, though it shares the proxy's one cluster watcher with the other.
/// </summary>
public sealed class WatchLeaderLossTests
{
    private const string WatchedKey = "leaderloss/k";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan EndedWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_Watch_That_Requires_A_Leader_Ends_As_Etcd_Ends_It_When_The_Cluster_Loses_Its_Leader_And_Others_Stay_Open()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var clock = Stopwatch.StartNew();
        using var direct = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var proxied = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var hasLeader = new Metadata { { "hasleader", "true" } };

        using var etcds = WatchRecorder.Open(direct, clock, hasLeader);
        using var ours = WatchRecorder.Open(proxied, clock, hasLeader);
        using var plain = WatchRecorder.Open(proxied, clock);
        foreach (var stream in new[] { etcds, ours, plain })
        {
            await stream.SendAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(WatchedKey) } });
            await stream.WaitForAsync(r => r.Created, Timeout);
        }

        // :: Two of three members gone: the survivor has no leader, and after a few election timeouts says so.
        cluster.Kill(1);
        cluster.Kill(2);
        var etcdsEnd = await EndAsync(etcds);
        var oursEnd = await EndAsync(ours);

        Assert.Equal((StatusCode.Unavailable, "etcdserver: no leader"), (etcdsEnd.StatusCode, etcdsEnd.Status.Detail));
        Assert.Equal((etcdsEnd.StatusCode, etcdsEnd.Status.Detail), (oursEnd.StatusCode, oursEnd.Status.Detail));

        // :: The stream that did not ask for a leader is still open a while later (etcd's would be too).
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(plain.Ended, $"the watch without hasleader ended: {plain.Error?.Message}");
    }

    private static async Task<RpcException> EndAsync(WatchRecorder stream)
    {
        var waited = Stopwatch.StartNew();
        while (!stream.Ended && waited.Elapsed < EndedWithin)
        {
            await Task.Delay(100);
        }

        Assert.True(stream.Ended, $"the hasleader watch was still open {EndedWithin} after the cluster lost its leader");
        return Assert.IsType<RpcException>(stream.Error);
    }
}
