using Google.Protobuf;

namespace EtcdGateway.Grpc.Namespace;

/// <summary>
/// The byte arithmetic of a namespace (<c>--namespace</c>): a client's key becomes prefix + key, a client's range end
/// becomes prefix + end (the "\0" end, "every key from here on", becomes the end of the prefix's own range), and a key
/// from the cluster is shown without the prefix only if it lies inside. Immutable; keys are compared and built as bytes,
/// never as text.
/// </summary>
internal sealed class KeyPrefix
{
    private static readonly ByteString FromKeyEnd = ByteString.CopyFrom(0);

    private readonly ReadOnlyMemory<byte> _bytes;

    public KeyPrefix(ByteString prefix)
    {
        if (prefix.IsEmpty)
        {
            throw new ArgumentException("a namespace prefix is never empty: no namespace is the whole key space", nameof(prefix));
        }

        Bytes = prefix;
        _bytes = prefix.Memory;
        End = EndOf(prefix.Span);
    }

    /// <summary>The prefix itself.</summary>
    public ByteString Bytes { get; }

    /// <summary>
    /// The first key after every key that starts with the prefix: the prefix with its last byte that is not 0xFF
    /// incremented and the rest dropped ("ns/" → "ns0", "a\xFF" → "b"). A prefix of only 0xFF bytes has no such key; its
    /// end is "\0", etcd's "to the end of the key space", which is exact there because every key at or after it starts
    /// with the prefix.
    /// </summary>
    public ByteString End { get; }

    /// <summary>Whether <paramref name="rangeEnd"/> is etcd's "\0": with a key, every key from that key on.</summary>
    public static bool IsFromKey(ByteString rangeEnd) => rangeEnd.Length == 1 && rangeEnd.Span[0] == 0;

    /// <summary>The cluster's key for a client's key: prefix + key.</summary>
    public ByteString Add(ByteString key) => Concat(_bytes.Span, key.Span);

    /// <summary>
    /// The cluster's range end for a client's range end: empty stays empty (a single key), "\0" becomes <see cref="End"/>
    /// (from the key to the end of the namespace, not of the cluster), any other end becomes prefix + end.
    /// </summary>
    public ByteString AddToRangeEnd(ByteString rangeEnd)
    {
        if (rangeEnd.IsEmpty)
        {
            return rangeEnd;
        }

        return IsFromKey(rangeEnd) ? End : Add(rangeEnd);
    }

    /// <summary>
    /// The client's key for a key from the cluster, or false when the key is not one a client of the namespace can name:
    /// it does not start with the prefix, or it is the prefix alone (the namespace's empty key, which etcd never accepts).
    /// No bytes are copied: the result shares the cluster key's (immutable) memory.
    /// </summary>
    public bool TryRemove(ByteString key, out ByteString clientKey) => TryRemove(key, allowEmpty: false, out clientKey);

    /// <summary>
    /// As <see cref="TryRemove(ByteString, out ByteString)"/> for a lock or election name, where the empty name is a name
    /// like any other (etcd uses "" + "/" as its prefix), so the prefix alone stands for "".
    /// </summary>
    public bool TryRemoveFromName(ByteString name, out ByteString clientName) => TryRemove(name, allowEmpty: true, out clientName);

    private bool TryRemove(ByteString key, bool allowEmpty, out ByteString clientKey)
    {
        var prefix = _bytes.Span;
        var inside = key.Span.StartsWith(prefix) && (allowEmpty || key.Length > prefix.Length);
        clientKey = inside ? UnsafeByteOperations.UnsafeWrap(key.Memory[prefix.Length..]) : ByteString.Empty;
        return inside;
    }

    private static ByteString Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        // The array is never seen by anyone else, so wrapping it (instead of CopyFrom copying it again) is safe.
        var bytes = new byte[first.Length + second.Length];
        first.CopyTo(bytes);
        second.CopyTo(bytes.AsSpan(first.Length));
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private static ByteString EndOf(ReadOnlySpan<byte> prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != 0xFF)
            {
                var end = prefix[..(i + 1)].ToArray();
                end[i]++;
                return UnsafeByteOperations.UnsafeWrap(end);
            }
        }

        return FromKeyEnd;
    }
}
