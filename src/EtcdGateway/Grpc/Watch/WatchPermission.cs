using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// Whether a client may watch a range, asked of the cluster with the client's own token as etcd's proxy asks it: a
/// serializable, count-only Range over the same keys. Its header is the store's revision on the member that answered,
/// which the watcher's Created response carries. Members are tried in the pick's order, past those that cannot be
/// reached, so that a client that sent <c>hasleader</c> hears a live member's "no leader", as from etcd.
/// </summary>
internal sealed class WatchPermission(MemberStreams members)
{
    private const string Method = "/etcdserverpb.KV/Range";

    /// <summary>etcd's ErrGRPCNoLeader text.</summary>
    private const string NoLeader = "etcdserver: no leader";

    private static readonly ByteString SmallestKey = ByteString.CopyFrom(0);

    /// <summary>
    /// The Range's answer, or null when the client may not read the range (or its token is not accepted). Any other
    /// failure ends the client's stream with it (etcd's "no leader" for a client that sent <c>hasleader</c>, a cluster out of reach).
    /// </summary>
    public Task<RangeResponse?> CheckAsync(WatchCreateRequest create, CallOptions options, bool requiresLeader, CancellationToken ended) =>
        RangeAsync(new RangeRequest { Key = create.Key.IsEmpty ? SmallestKey : create.Key, RangeEnd = create.RangeEnd, Serializable = true, CountOnly = true }, options, requiresLeader, ended);

    /// <summary>The store's revision now (a header), or null when the client may not read even that.</summary>
    public async Task<ResponseHeader?> CurrentHeaderAsync(CallOptions options, bool requiresLeader, CancellationToken ended) =>
        (await RangeAsync(new RangeRequest { Key = SmallestKey, Serializable = true, CountOnly = true }, options, requiresLeader, ended))?.Header;

    private async Task<RangeResponse?> RangeAsync(RangeRequest range, CallOptions options, bool requiresLeader, CancellationToken ended)
    {
        var selection = members.NewSelection();
        RpcException? last = null;
        while (selection.Next(() => Method, "no member available; failing the watch") is { } endpoint)
        {
            try
            {
                return await new KV.KVClient(members.For(endpoint)).RangeAsync(range, new CallOptions(options.Headers, cancellationToken: ended));
            }
            catch (RpcException e) when (IsRefusal(e))
            {
                return null;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                if (requiresLeader && e.Status.Detail == NoLeader)
                {
                    throw;
                }

                last = e;
                if (RetryRules.NeverReached(e) is { } dial)
                {
                    selection.Failed(endpoint, dial);
                }
                else
                {
                    selection.Skip(endpoint);
                }
            }
        }

        throw last ?? new RpcException(new Status(StatusCode.Unavailable, "etcd-gateway: no cluster member available"));
    }

    private static bool IsRefusal(RpcException e) =>
        e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unauthenticated
        || (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("auth", StringComparison.Ordinal));
}
