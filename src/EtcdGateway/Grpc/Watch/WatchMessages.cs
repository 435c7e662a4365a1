using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>The watch messages the proxy writes itself, with etcd's values and texts.</summary>
internal static class WatchMessages
{
    /// <summary>etcd's <c>clientv3.InvalidWatchID</c>: the id of a refused create and of a progress answer for the whole stream.</summary>
    public const long InvalidWatchId = -1;

    /// <summary>etcd's <c>mvcc.ErrWatcherDuplicateID</c>.</summary>
    public const string DuplicateIdReason = "mvcc: duplicate watch ID provided on the WatchStream";

    /// <summary>etcd's <c>rpctypes.ErrGRPCPermissionDenied.Error()</c> (a gRPC status's text): the reason a create is refused for want of permission.</summary>
    public const string PermissionDeniedReason = "rpc error: code = PermissionDenied desc = etcdserver: permission denied";

    /// <summary>etcd's <c>mvcc.ErrEmptyWatcherRange</c>.</summary>
    public const string EmptyRangeReason = "mvcc: watcher range is empty";

    /// <summary>A watcher canceled, as etcd answers a cancel request (or ends a watcher, with a reason).</summary>
    public static WatchResponse Canceled(ResponseHeader header, long watchId, string reason = "") =>
        new() { Header = header, WatchId = watchId, Canceled = true, CancelReason = reason };

    public static WatchRequest Cancel(long watchId) => new() { CancelRequest = new WatchCancelRequest { WatchId = watchId } };

    public static WatchRequest Progress() => new() { ProgressRequest = new WatchProgressRequest() };
}
