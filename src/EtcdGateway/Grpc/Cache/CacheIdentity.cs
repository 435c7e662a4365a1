using Grpc.Core;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// Who a Range is answered for, as the cluster tells callers apart: by the auth token the call carries (etcd's
/// <c>token</c> header, or <c>authorization</c> as etcd 3.5+ also reads it). A call with neither is the anonymous caller
/// (every caller when auth is off). Two tokens of one user are two identities: the proxy cannot prove from a token alone
/// whose it is (a simple token is opaque, a JWT's signature key is the cluster's), so it never shares an answer between
/// them. The headers are kept so the cache's watch for this identity asks with the same credentials.
/// </summary>
internal sealed class CacheIdentity : IEquatable<CacheIdentity>
{
    private const string TokenHeader = "token";
    private const string AuthorizationHeader = "authorization";

    public static CacheIdentity Anonymous { get; } = new(string.Empty, []);

    private CacheIdentity(string value, Metadata headers)
    {
        Value = value;
        Headers = headers;
    }

    /// <summary>The credentials as one string ("" for anonymous); the cache key's identity part.</summary>
    public string Value { get; }

    /// <summary>The credential headers to open this identity's watch with.</summary>
    public Metadata Headers { get; }

    public static CacheIdentity Of(Metadata requestHeaders)
    {
        string? token = null;
        string? authorization = null;
        foreach (var entry in requestHeaders)
        {
            if (entry.IsBinary)
            {
                continue;
            }

            if (string.Equals(entry.Key, TokenHeader, StringComparison.OrdinalIgnoreCase))
            {
                token = entry.Value;
            }
            else if (string.Equals(entry.Key, AuthorizationHeader, StringComparison.OrdinalIgnoreCase))
            {
                authorization = entry.Value;
            }
        }

        if (token is null && authorization is null)
        {
            return Anonymous;
        }

        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add(TokenHeader, token);
        }

        if (authorization is not null)
        {
            headers.Add(AuthorizationHeader, authorization);
        }

        // A separator no header value can hold keeps ("a", "b") and ("ab", "") apart.
        return new CacheIdentity($"{token}\n{authorization}", headers);
    }

    public bool Equals(CacheIdentity? other) => other is not null && other.Value == Value;

    public override bool Equals(object? obj) => Equals(obj as CacheIdentity);

    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);
}
