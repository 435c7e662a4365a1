using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace EtcdGateway.Grpc.Namespace;

/// <summary>
/// A namespace (<c>--namespace=PREFIX</c>): the client sees only the keys under the prefix, without it. Requests get the
/// prefix on every key and range end; answers lose it, and anything in them outside the prefix is left out (in a list)
/// or left empty (a single key), so no key outside is ever shown, whatever the cluster answers. The translation is etcd's
/// (client/v3/namespace, which its grpc-proxy uses), with three differences: a missing key is refused in a nested txn
/// operation and a txn compare too (etcd's client only checks the top level and would touch the prefix alone), a watch
/// on the empty key starts at "\0" as etcd's server reads it (not at the prefix alone), and the end of a prefix ending in
/// 0xFF drops that byte instead of wrapping it to 0x00 (etcd's "a\xFF" ends at "b\x00", which takes in the key "b").
/// </summary>
internal sealed class PrefixedKeySpace(KeyPrefix prefix) : KeySpace
{
    // etcd's watch server reads an empty key as "\0", the smallest key.
    private static readonly ByteString SmallestKey = ByteString.CopyFrom(0);

    public override bool IsNamespace => true;

    // :: Requests: every key gets the prefix. Each is cloned first, then changed in the clone only.

    public override RangeRequest ToCluster(RangeRequest request) => AddTo(request.Clone());

    public override PutRequest ToCluster(PutRequest request) => AddTo(request.Clone());

    public override DeleteRangeRequest ToCluster(DeleteRangeRequest request) => AddTo(request.Clone());

    public override TxnRequest ToCluster(TxnRequest request) => AddTo(request.Clone());

    public override WatchRequest ToCluster(WatchRequest request)
    {
        if (request.RequestUnionCase != WatchRequest.RequestUnionOneofCase.CreateRequest)
        {
            return request;
        }

        var copy = request.Clone();
        var create = copy.CreateRequest;
        create.Key = prefix.Add(create.Key.IsEmpty ? SmallestKey : create.Key);
        create.RangeEnd = prefix.AddToRangeEnd(create.RangeEnd);
        return copy;
    }

    // A lock or election name may be empty (etcd then uses "/" as its prefix); it still gets the namespace's prefix.
    public override LockRequest ToCluster(LockRequest request)
    {
        var copy = request.Clone();
        copy.Name = prefix.Add(copy.Name);
        return copy;
    }

    public override UnlockRequest ToCluster(UnlockRequest request)
    {
        var copy = request.Clone();
        copy.Key = AddToKey(copy.Key);
        return copy;
    }

    public override CampaignRequest ToCluster(CampaignRequest request)
    {
        var copy = request.Clone();
        copy.Name = prefix.Add(copy.Name);
        return copy;
    }

    public override ProclaimRequest ToCluster(ProclaimRequest request)
    {
        var copy = request.Clone();
        AddTo(copy.Leader);
        return copy;
    }

    public override LeaderRequest ToCluster(LeaderRequest request)
    {
        var copy = request.Clone();
        copy.Name = prefix.Add(copy.Name);
        return copy;
    }

    public override ResignRequest ToCluster(ResignRequest request)
    {
        var copy = request.Clone();
        AddTo(copy.Leader);
        return copy;
    }

    // :: Answers: every key loses the prefix; one outside is never shown. An answer holding no key is handed back as is.

    public override RangeResponse ToClient(RangeResponse response)
    {
        if (response.Kvs.Count == 0)
        {
            return response;
        }

        var copy = response.Clone();
        RemoveFrom(copy);
        return copy;
    }

    public override PutResponse ToClient(PutResponse response)
    {
        if (response.PrevKv is null)
        {
            return response;
        }

        var copy = response.Clone();
        RemoveFrom(copy);
        return copy;
    }

    public override DeleteRangeResponse ToClient(DeleteRangeResponse response)
    {
        if (response.PrevKvs.Count == 0)
        {
            return response;
        }

        var copy = response.Clone();
        RemoveFrom(copy);
        return copy;
    }

    public override TxnResponse ToClient(TxnResponse response)
    {
        if (response.Responses.Count == 0)
        {
            return response;
        }

        var copy = response.Clone();
        RemoveFrom(copy);
        return copy;
    }

    public override WatchResponse ToClient(WatchResponse response)
    {
        if (response.Events.Count == 0)
        {
            return response;
        }

        var copy = response.Clone();
        var events = copy.Events;
        var kept = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var change = events[i];
            if (change.Kv is null || !prefix.TryRemove(change.Kv.Key, out var key))
            {
                continue;
            }

            change.Kv.Key = key;
            change.PrevKv = Without(change.PrevKv);
            events[kept++] = change;
        }

        Truncate(events, kept);
        return copy;
    }

    public override LeaseTimeToLiveResponse ToClient(LeaseTimeToLiveResponse response)
    {
        if (response.Keys.Count == 0)
        {
            return response;
        }

        // A lease is the cluster's: keys outside the namespace may be attached to it too. Those are left out.
        var copy = response.Clone();
        var keys = copy.Keys;
        var kept = 0;
        for (var i = 0; i < keys.Count; i++)
        {
            if (prefix.TryRemove(keys[i], out var key))
            {
                keys[kept++] = key;
            }
        }

        Truncate(keys, kept);
        return copy;
    }

    public override LockResponse ToClient(LockResponse response)
    {
        var copy = response.Clone();
        copy.Key = WithoutOrEmpty(copy.Key);
        return copy;
    }

    public override CampaignResponse ToClient(CampaignResponse response)
    {
        if (response.Leader is null)
        {
            return response;
        }

        var copy = response.Clone();
        copy.Leader.Name = prefix.TryRemoveFromName(copy.Leader.Name, out var name) ? name : ByteString.Empty;
        copy.Leader.Key = WithoutOrEmpty(copy.Leader.Key);
        return copy;
    }

    public override LeaderResponse ToClient(LeaderResponse response)
    {
        if (response.Kv is null)
        {
            return response;
        }

        var copy = response.Clone();
        copy.Kv = Without(copy.Kv);
        return copy;
    }

    private RangeRequest AddTo(RangeRequest request)
    {
        request.Key = AddToKey(request.Key);
        request.RangeEnd = prefix.AddToRangeEnd(request.RangeEnd);
        return request;
    }

    private PutRequest AddTo(PutRequest request)
    {
        request.Key = AddToKey(request.Key);
        return request;
    }

    private DeleteRangeRequest AddTo(DeleteRangeRequest request)
    {
        request.Key = AddToKey(request.Key);
        request.RangeEnd = prefix.AddToRangeEnd(request.RangeEnd);
        return request;
    }

    private TxnRequest AddTo(TxnRequest request)
    {
        foreach (var compare in request.Compare)
        {
            compare.Key = AddToKey(compare.Key);
            compare.RangeEnd = prefix.AddToRangeEnd(compare.RangeEnd);
        }

        AddTo(request.Success);
        AddTo(request.Failure);
        return request;
    }

    private void AddTo(RepeatedField<RequestOp> operations)
    {
        foreach (var operation in operations)
        {
            // An operation with nothing in it is left for the cluster to refuse, with its own error.
            switch (operation.RequestCase)
            {
                case RequestOp.RequestOneofCase.RequestRange: AddTo(operation.RequestRange); break;
                case RequestOp.RequestOneofCase.RequestPut: AddTo(operation.RequestPut); break;
                case RequestOp.RequestOneofCase.RequestDeleteRange: AddTo(operation.RequestDeleteRange); break;
                case RequestOp.RequestOneofCase.RequestTxn: AddTo(operation.RequestTxn); break;
                case RequestOp.RequestOneofCase.None:
                default: break;
            }
        }
    }

    // Without a leader key the election service answers with its own error; that is the cluster's to give.
    private void AddTo(LeaderKey? leader)
    {
        if (leader is not null)
        {
            leader.Name = prefix.Add(leader.Name);
            leader.Key = AddToKey(leader.Key);
        }
    }

    private ByteString AddToKey(ByteString key) => key.IsEmpty ? throw EmptyKey() : prefix.Add(key);

    private void RemoveFrom(RangeResponse response) => RemoveFrom(response.Kvs);

    private void RemoveFrom(PutResponse response) => response.PrevKv = Without(response.PrevKv);

    private void RemoveFrom(DeleteRangeResponse response) => RemoveFrom(response.PrevKvs);

    private void RemoveFrom(TxnResponse response)
    {
        foreach (var result in response.Responses)
        {
            switch (result.ResponseCase)
            {
                case ResponseOp.ResponseOneofCase.ResponseRange: RemoveFrom(result.ResponseRange); break;
                case ResponseOp.ResponseOneofCase.ResponsePut: RemoveFrom(result.ResponsePut); break;
                case ResponseOp.ResponseOneofCase.ResponseDeleteRange: RemoveFrom(result.ResponseDeleteRange); break;
                case ResponseOp.ResponseOneofCase.ResponseTxn: RemoveFrom(result.ResponseTxn); break;
                case ResponseOp.ResponseOneofCase.None:
                default: break;
            }
        }
    }

    private void RemoveFrom(RepeatedField<KeyValue> kvs)
    {
        var kept = 0;
        for (var i = 0; i < kvs.Count; i++)
        {
            if (Without(kvs[i]) is { } kv)
            {
                kvs[kept++] = kv;
            }
        }

        Truncate(kvs, kept);
    }

    /// <summary>The key-value with its key stripped, or null when its key is outside the namespace.</summary>
    private KeyValue? Without(KeyValue? kv)
    {
        if (kv is null || !prefix.TryRemove(kv.Key, out var key))
        {
            return null;
        }

        kv.Key = key;
        return kv;
    }

    private ByteString WithoutOrEmpty(ByteString key) => prefix.TryRemove(key, out var stripped) ? stripped : ByteString.Empty;

    private static void Truncate<T>(RepeatedField<T> list, int count)
    {
        while (list.Count > count)
        {
            list.RemoveAt(list.Count - 1);
        }
    }
}
