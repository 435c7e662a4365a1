using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// <c>GET /health</c> on the proxy's port, answered as etcd's proxy answers it: a linearizable read of key <c>a</c>
/// through the proxy's own way to the cluster with a 1 s deadline. Success, or PermissionDenied (auth is on and the
/// check has no user: the cluster still answered), is <c>200 {"health":"true","reason":""}</c>; anything else
/// <c>503 {"health":"false","reason":"GET ERROR:..."}</c>.
/// </summary>
internal sealed class ProxyHealthCheck(KV.KVClient cluster, JsonLogger logger, TimeProvider time)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    private static readonly RangeRequest Probe = new() { Key = ByteString.CopyFromUtf8("a") };

    public Task HandleAsync(HttpContext http) => HealthAnswer.WriteAsync(http, aborted => ReadAsync(cluster, time, aborted), logger);

    /// <summary>etcd's read check through <paramref name="kv"/>: the cluster's client here, the proxy itself for <c>/proxy/health</c>.</summary>
    public static async Task<(bool Healthy, string Reason)> ReadAsync(KV.KVClient kv, TimeProvider time, CancellationToken aborted)
    {
        try
        {
            await kv.RangeAsync(Probe, new CallOptions(deadline: time.GetUtcNow().UtcDateTime + Deadline, cancellationToken: aborted));
            return (true, "");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
        {
            return (true, "");
        }
        catch (RpcException e)
        {
            return (false, $"GET ERROR:{e.Status.Detail}");
        }
    }
}
