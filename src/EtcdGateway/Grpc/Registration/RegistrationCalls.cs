using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using LeaseApi = EtcdGateway.Protos.Etcdserverpb.Lease;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// The cluster calls registration makes, each with a deadline so a hung member fails the call instead of holding the
/// registration up. Made with the proxy's own identity, never a client's token.
/// </summary>
internal sealed class RegistrationCalls(CallInvoker cluster, TimeProvider time)
{
    /// <summary>Grant, put and revoke are single raft writes; longer than this and the cluster is not answering.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(5);

    private readonly LeaseApi.LeaseClient _lease = new(cluster);
    private readonly KV.KVClient _kv = new(cluster);

    public async Task<LeaseGrantResponse> GrantAsync(TimeSpan ttl, CancellationToken cancellation) =>
        await _lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = (long)Math.Ceiling(ttl.TotalSeconds) }, Options(WriteTimeout, cancellation));

    public async Task PutAsync(string key, byte[] value, long lease, CancellationToken cancellation) =>
        await _kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease }, Options(WriteTimeout, cancellation));

    public async Task RevokeAsync(long lease, CancellationToken cancellation) =>
        await _lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, Options(WriteTimeout, cancellation));

    /// <summary>
    /// One renewal on a stream of its own: a request, its answer, done. A stream held open would stay on one member
    /// (and hang with it); a short one goes wherever a healthy member is, each time.
    /// </summary>
    public async Task<LeaseKeepAliveResponse> KeepAliveAsync(long lease, TimeSpan timeout, CancellationToken cancellation)
    {
        using var call = _lease.LeaseKeepAlive(Options(timeout, cancellation));
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellation);
        if (!await call.ResponseStream.MoveNext(cancellation))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "lease keep-alive stream ended without an answer"));
        }

        var answer = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();
        return answer;
    }

    /// <summary>Whether <paramref name="key"/> exists, read through the leader so a lagging member cannot make it look deleted.</summary>
    public async Task<bool> ExistsAsync(string key, TimeSpan timeout, CancellationToken cancellation)
    {
        var range = await _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key), CountOnly = true }, Options(timeout, cancellation));
        return range.Count > 0;
    }

    private CallOptions Options(TimeSpan timeout, CancellationToken cancellation) =>
        new(deadline: time.GetUtcNow().UtcDateTime + timeout, cancellationToken: cancellation);
}
