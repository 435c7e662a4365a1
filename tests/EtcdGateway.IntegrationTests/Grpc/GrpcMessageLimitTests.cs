using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// <c>--max-send-bytes</c> and <c>--max-recv-bytes</c> bound what the proxy sends to and takes from the members, as the
/// same flags bound etcd's proxy's client.
/// </summary>
public class GrpcMessageLimitTests
{
    [Fact]
    public async Task Limits_Apply_To_The_Proxys_Calls_To_The_Members()
    {
        await using var cluster = await EtcdCluster.StartAsync(1);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--max-send-bytes=3000000", "--max-recv-bytes=4096"]);
        using var directChannel = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        using var proxyChannel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var direct = new KV.KVClient(directChannel);
        var through = new KV.KVClient(proxyChannel);

        // A response larger than --max-recv-bytes is refused by the proxy; a smaller one passes.
        await direct.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("limits/big"), Value = ByteString.CopyFrom(new byte[8192]) });
        await direct.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("limits/small"), Value = ByteString.CopyFrom(new byte[100]) });
        Assert.Single((await through.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("limits/small") })).Kvs);
        var tooBig = await Assert.ThrowsAsync<RpcException>(async () => await through.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("limits/big") }));
        Assert.Equal(StatusCode.ResourceExhausted, tooBig.StatusCode);

        // A request over etcd's default 1.5 MiB but under --max-send-bytes reaches the member, which answers for itself.
        var request = new PutRequest { Key = ByteString.CopyFromUtf8("limits/request"), Value = ByteString.CopyFrom(new byte[1800 * 1024]) };
        var viaProxy = await Assert.ThrowsAsync<RpcException>(async () => await through.PutAsync(request));
        var viaMember = await Assert.ThrowsAsync<RpcException>(async () => await direct.PutAsync(request));
        Assert.Equal((StatusCode.InvalidArgument, "etcdserver: request is too large"), (viaMember.StatusCode, viaMember.Status.Detail));
        Assert.Equal((viaMember.StatusCode, viaMember.Status.Detail), (viaProxy.StatusCode, viaProxy.Status.Detail));
    }
}
