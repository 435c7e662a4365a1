using Google.Protobuf;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// What a cached answer is found by: the caller's identity and the whole Range request as the cluster gets it (after the
/// namespace prefix), serialized, so limit, sort, filters, keys_only and count_only each make a different answer.
/// </summary>
internal readonly record struct RangeCacheKey(CacheIdentity Identity, ByteString Request);
