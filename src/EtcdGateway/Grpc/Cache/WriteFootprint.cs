using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The keys a write through the proxy may change, in the cluster's key space: a Put's key, a DeleteRange's range, and
/// for a Txn the puts and deletes of both branches at every depth (which branch ran is in the answer, but taking both
/// costs a few extra drops and can never miss one).
/// </summary>
internal static class WriteFootprint
{
    public static IReadOnlyList<KeyRange> Of(PutRequest request) => [KeyRange.Single(request.Key)];

    public static IReadOnlyList<KeyRange> Of(DeleteRangeRequest request) => [new KeyRange(request.Key, request.RangeEnd)];

    public static IReadOnlyList<KeyRange> Of(TxnRequest request)
    {
        var keys = new List<KeyRange>();
        Add(request, keys);
        return keys;
    }

    private static void Add(TxnRequest request, List<KeyRange> keys)
    {
        foreach (var op in request.Success.Concat(request.Failure))
        {
            switch (op.RequestCase)
            {
                case RequestOp.RequestOneofCase.RequestPut:
                    keys.Add(KeyRange.Single(op.RequestPut.Key));
                    break;
                case RequestOp.RequestOneofCase.RequestDeleteRange:
                    keys.Add(new KeyRange(op.RequestDeleteRange.Key, op.RequestDeleteRange.RangeEnd));
                    break;
                case RequestOp.RequestOneofCase.RequestTxn:
                    Add(op.RequestTxn, keys);
                    break;
            }
        }
    }
}
