using EtcdGateway.Grpc.Upstream;
using Grpc.Core;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// Whose keep-alives may share a stream to the cluster: those that send the same credentials, etcd's <c>token</c> (or
/// <c>authorization</c>) metadata, or none. etcd renews a lease without looking at who asks up to 3.4.41, 3.5.27 and
/// 3.6.8; since 3.4.42, 3.5.28 and 3.6.9, with auth on, it renews only for a user with put permission on every key of
/// the lease (and fails the stream otherwise), reading the token the stream was opened with. So a stream to the cluster
/// carries one token, its clients', and never one client's credentials for another's keep-alives.
/// </summary>
/// <para>
/// A client that sent <c>hasleader</c> (etcd's own client always does for its keep-alives) shares a stream that carries
/// it too: a member without a leader ends that stream with "no leader", and its clients get that error, as from etcd;
/// the others' stream moves to another member and waits for a leader.
/// </para>
internal readonly record struct KeepAliveCredentials(string? Token, string? Authorization, bool RequiresLeader = false)
{
    /// <summary>etcd's metadata keys for the auth token (its <c>TokenFieldNameGRPC</c> and <c>TokenFieldNameSwagger</c>).</summary>
    private const string TokenKey = "token";
    private const string AuthorizationKey = "authorization";

    public static KeepAliveCredentials Of(Metadata clientHeaders) =>
        new(clientHeaders.GetValue(TokenKey), clientHeaders.GetValue(AuthorizationKey), clientHeaders.GetValue(RetryRules.RequireLeaderKey) == "true");

    /// <summary>The metadata a stream to the cluster is opened with for these clients.</summary>
    public Metadata ToHeaders()
    {
        var headers = new Metadata();
        if (Token is not null)
        {
            headers.Add(TokenKey, Token);
        }

        if (Authorization is not null)
        {
            headers.Add(AuthorizationKey, Authorization);
        }

        if (RequiresLeader)
        {
            headers.Add(RetryRules.RequireLeaderKey, "true");
        }

        return headers;
    }
}
