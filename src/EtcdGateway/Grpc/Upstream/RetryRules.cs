using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// When a failed call may go to another member. Any call that never reached a member (its connection was refused or
/// timed out: our dialer's <see cref="DialException"/>) may, as nothing was sent. A call that did reach one may only when
/// repeating it is harmless: etcd's own client marks the same methods repeatable and retries them on Unavailable.
/// </summary>
internal static class RetryRules
{
    /// <summary>The methods etcd's client retries on Unavailable (its <c>withRepeatablePolicy</c>), plus the election's read.</summary>
    private static readonly HashSet<string> Repeatable = new(StringComparer.Ordinal)
    {
        "/etcdserverpb.KV/Range",
        "/etcdserverpb.Lease/LeaseGrant",
        "/etcdserverpb.Lease/LeaseRevoke",
        "/etcdserverpb.Lease/LeaseTimeToLive",
        "/etcdserverpb.Lease/LeaseLeases",
        "/etcdserverpb.Cluster/MemberList",
        "/etcdserverpb.Maintenance/Alarm",
        "/etcdserverpb.Maintenance/Status",
        "/etcdserverpb.Maintenance/Hash",
        "/etcdserverpb.Maintenance/HashKV",
        "/etcdserverpb.Maintenance/Snapshot",
        "/etcdserverpb.Maintenance/MoveLeader",
        "/etcdserverpb.Auth/UserList",
        "/etcdserverpb.Auth/UserGet",
        "/etcdserverpb.Auth/RoleGet",
        "/etcdserverpb.Auth/RoleList",
        "/v3electionpb.Election/Leader",
    };

    /// <summary>The metadata with which a client asks etcd to refuse it when the member has no leader (etcd's <c>WithRequireLeader</c>).</summary>
    public const string RequireLeaderKey = "hasleader";

    /// <summary>etcd's ErrGRPCNoLeader text (code Unavailable).</summary>
    private const string NoLeader = "etcdserver: no leader";

    public static bool IsRepeatable(string fullMethodName) => Repeatable.Contains(fullMethodName);

    /// <summary>Whether a member said it has no leader (a call refused, or a <c>hasleader</c> stream it ended).</summary>
    public static bool IsNoLeader(Exception? error) =>
        error is RpcException { StatusCode: StatusCode.Unavailable } e && e.Status.Detail == NoLeader;

    /// <summary>etcd's ErrGRPCNoLeader, as a member ends a <c>hasleader</c> stream with it.</summary>
    public static RpcException NoLeaderError() => new(new Status(StatusCode.Unavailable, NoLeader));

    /// <summary>The dial failure that kept the call from reaching its member, if that is why it failed.</summary>
    public static DialException? NeverReached(RpcException error)
    {
        if (error.StatusCode != StatusCode.Unavailable)
        {
            return null;
        }

        for (var inner = error.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is DialException dial)
            {
                return dial;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a long-lived stream (Watch, LeaseKeepAlive) that failed with <paramref name="error"/> should move to another
    /// member: the member or the way to it failed (Unavailable, a broken connection), not the client's request. etcd's
    /// "no leader" is the answer a client asked for when it sent <c>hasleader</c> (<paramref name="clientRequiresLeader"/>)
    /// and is the client's to see; without it, it only says that this member lost its leader, and another may have one.
    /// </summary>
    public static bool MovesStream(Exception error, bool clientRequiresLeader) => error switch
    {
        RpcException { StatusCode: StatusCode.Unavailable } e => !clientRequiresLeader || e.Status.Detail != NoLeader,
        RpcException { StatusCode: StatusCode.Cancelled } => true,
        RpcException { StatusCode: StatusCode.Internal or StatusCode.Unknown } e => IsConnectionFault(e.Status.DebugException),
        RpcException => false,
        _ => true,
    };

    /// <summary>Whether a call that reached a member and failed with <paramref name="error"/> may be repeated on another.</summary>
    public static bool MayRepeat(string fullMethodName, RpcException error) =>
        error.StatusCode == StatusCode.Unavailable && IsRepeatable(fullMethodName);

    private static bool IsConnectionFault(Exception? error)
    {
        for (var inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is IOException or HttpRequestException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
