using System.Text;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.Grpc.Namespace;

/// <summary>
/// The keys a client of the proxy sees, and how its requests and the cluster's answers are translated between that view
/// and the cluster's keys. Every service passes what it forwards through here, namespace or not: <see cref="Whole"/>
/// (no <c>--namespace</c>) hands every message back as it is, with no copy and no allocation; <see cref="Of"/> with a
/// prefix gives the namespace's translation.
/// <para>
/// What is translated: the keys and range ends of Range, Put, DeleteRange and Txn (compares, and the success and failure
/// operations at every depth), of watch creation, the Lock name and key, and the Election name and leader key; and every
/// key in the answers: kvs, prev_kv(s), txn responses at every depth, watch events, lease TimeToLive keys, the lock key,
/// the leader key and the leader's kv. What is not: Compact (a revision of the whole cluster), lease ids (a lease is the
/// cluster's, not a key), and the Cluster, Maintenance and Auth services, which hold no keys.
/// </para>
/// <para>
/// Translations never change their argument: with a namespace they return new messages (keys stripped share the
/// cluster's bytes), so a request translated for one attempt and retried, or an answer shared by several watchers, is
/// never translated twice.
/// </para>
/// </summary>
internal abstract class KeySpace
{
    /// <summary>The whole key space of the cluster: no namespace, nothing translated.</summary>
    public static KeySpace Whole { get; } = new WholeKeySpace();

    /// <summary>The key space of <c>--namespace=<paramref name="prefix"/></c> (its UTF-8 bytes, as etcd takes the flag's string); <see cref="Whole"/> when empty.</summary>
    public static KeySpace Of(string prefix) => Of(ByteString.CopyFrom(prefix, Encoding.UTF8));

    /// <summary>The key space of the keys starting with <paramref name="prefix"/>; <see cref="Whole"/> when empty.</summary>
    public static KeySpace Of(ByteString prefix) => prefix.IsEmpty ? Whole : new PrefixedKeySpace(new KeyPrefix(prefix));

    /// <summary>
    /// etcd's answer to a request without a key: a namespace must refuse it itself, since prefixed it would name the
    /// prefix alone, a key the cluster would accept (etcd's own namespace client refuses it too).
    /// </summary>
    public static RpcException EmptyKey() => new(new Status(StatusCode.InvalidArgument, "etcdserver: key is not provided"));

    /// <summary>Whether this is a namespace (keys are translated) rather than the whole key space.</summary>
    public abstract bool IsNamespace { get; }

    public abstract RangeRequest ToCluster(RangeRequest request);

    public abstract PutRequest ToCluster(PutRequest request);

    public abstract DeleteRangeRequest ToCluster(DeleteRangeRequest request);

    public abstract TxnRequest ToCluster(TxnRequest request);

    /// <summary>A watch stream's request: only a create request holds keys; cancel and progress requests pass as they are.</summary>
    public abstract WatchRequest ToCluster(WatchRequest request);

    public abstract LockRequest ToCluster(LockRequest request);

    public abstract UnlockRequest ToCluster(UnlockRequest request);

    public abstract CampaignRequest ToCluster(CampaignRequest request);

    public abstract ProclaimRequest ToCluster(ProclaimRequest request);

    /// <summary>For Leader and Observe, which both ask by election name.</summary>
    public abstract LeaderRequest ToCluster(LeaderRequest request);

    public abstract ResignRequest ToCluster(ResignRequest request);

    public abstract RangeResponse ToClient(RangeResponse response);

    public abstract PutResponse ToClient(PutResponse response);

    public abstract DeleteRangeResponse ToClient(DeleteRangeResponse response);

    public abstract TxnResponse ToClient(TxnResponse response);

    public abstract WatchResponse ToClient(WatchResponse response);

    public abstract LeaseTimeToLiveResponse ToClient(LeaseTimeToLiveResponse response);

    public abstract LockResponse ToClient(LockResponse response);

    public abstract CampaignResponse ToClient(CampaignResponse response);

    /// <summary>For Leader and each message of Observe.</summary>
    public abstract LeaderResponse ToClient(LeaderResponse response);
}
