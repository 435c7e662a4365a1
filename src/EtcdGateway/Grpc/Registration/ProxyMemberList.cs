using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using ClusterApi = EtcdGateway.Protos.Etcdserverpb.Cluster;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// Answers MemberList for a proxy with an advertise URL, by etcd's proxy's rules: with a resolver prefix, the proxies
/// registered under it, read from the cluster at the time of asking (so a proxy whose lease expired is gone; etcd's
/// proxy keeps a dead one listed); without one, the proxy itself. The header is the cluster's, from the read the answer
/// came from. A proxy whose advertise URL is empty has none of this: its MemberList is forwarded.
/// </summary>
internal sealed class ProxyMemberList
{
    /// <summary>How long one read answers serializable MemberLists, so a crowd of clients syncing costs the cluster one read a second.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    /// <summary>How long the read may take: a member that hangs must not hang MemberList (the caller's own deadline still applies).</summary>
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private readonly KV.KVClient _kv;
    private readonly ClusterApi.ClusterClient _cluster;
    private readonly ProxyRegistrationOptions _self;
    private readonly TimeProvider _time;

    // The latest serializable read and when it started; swapped whole, never changed in place.
    private SharedRead? _latest;

    public ProxyMemberList(CallInvoker cluster, ProxyRegistrationOptions self, TimeProvider time)
    {
        _kv = new KV.KVClient(cluster);
        _cluster = new ClusterApi.ClusterClient(cluster);
        _self = self;
        _time = time;
    }

    /// <summary>The answering part for these options, or null when MemberList is to be forwarded (an empty advertise URL).</summary>
    public static ProxyMemberList? For(CallInvoker cluster, ProxyRegistrationOptions self, TimeProvider time) =>
        self.AdvertiseClientUrl.Length == 0 ? null : new ProxyMemberList(cluster, self, time);

    /// <summary>
    /// The member list as of now. A linearizable request reads through the leader each time; a serializable one shares a
    /// read started less than <see cref="Freshness"/> ago. Errors from the cluster reach the caller as they came.
    /// </summary>
    public Task<MemberListResponse> ListAsync(MemberListRequest request, CancellationToken cancellation)
    {
        if (request.Linearizable)
        {
            return ReadAsync(linearizable: true).WaitAsync(cancellation);
        }

        var latest = _latest;
        if (latest is null || latest.Answer.IsFaulted || latest.Answer.IsCanceled || _time.GetElapsedTime(latest.StartedAt) >= Freshness)
        {
            // Not bound to this caller's cancellation: others may be waiting on the same read.
            latest = new SharedRead(ReadAsync(linearizable: false), _time.GetTimestamp());
            _latest = latest;
        }

        return latest.Answer.WaitAsync(cancellation);
    }

    private async Task<MemberListResponse> ReadAsync(bool linearizable)
    {
        var options = new CallOptions(deadline: _time.GetUtcNow().UtcDateTime + ReadTimeout);
        if (!_self.Registers)
        {
            var members = await _cluster.MemberListAsync(new MemberListRequest { Linearizable = linearizable }, options);
            return ProxyMembers.Itself(_self, members.Header);
        }

        var range = await _kv.RangeAsync(
            new RangeRequest
            {
                Key = RegistrationKeys.RangeStart(_self.ResolverPrefix),
                RangeEnd = RegistrationKeys.RangeEnd(_self.ResolverPrefix),
                Serializable = !linearizable,
            },
            options);

        var registrations = new List<RegisteredProxy>(range.Kvs.Count);
        foreach (var kv in range.Kvs)
        {
            if (NamingEndpointValue.TryDecode(kv.Value.Span, out var address, out var name))
            {
                registrations.Add(new RegisteredProxy(kv.Key.ToStringUtf8(), address, name));
            }
        }

        return ProxyMembers.FromRegistrations(registrations, _self, range.Header);
    }

    private sealed record SharedRead(Task<MemberListResponse> Answer, long StartedAt);
}
