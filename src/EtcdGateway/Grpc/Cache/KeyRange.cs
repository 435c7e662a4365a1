using Google.Protobuf;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The keys a Range names or a write touches, in the cluster's key space, read as etcd reads a key and a range end: an
/// empty end is the key alone, "\0" is every key from the key on (from-key), any other end is [key, end). Compared as
/// bytes, never as text.
/// </summary>
internal readonly record struct KeyRange(ByteString Key, ByteString End)
{
    /// <summary>One key.</summary>
    public static KeyRange Single(ByteString key) => new(key, ByteString.Empty);

    private bool IsSingle => End.IsEmpty;

    private bool IsFromKey => End.Length == 1 && End.Span[0] == 0;

    public bool Contains(ByteString key)
    {
        if (IsSingle)
        {
            return key.Span.SequenceEqual(Key.Span);
        }

        return key.Span.SequenceCompareTo(Key.Span) >= 0 && (IsFromKey || key.Span.SequenceCompareTo(End.Span) < 0);
    }

    /// <summary>Whether some key lies in both. Each range is taken as [low, high), a single key's high being the key + "\0".</summary>
    public bool Intersects(KeyRange other)
    {
        if (IsSingle)
        {
            return other.Contains(Key);
        }

        if (other.IsSingle)
        {
            return Contains(other.Key);
        }

        // [a, b) and [c, d) meet when a < d and c < b; a from-key range has no high end.
        var lowBeforeOtherHigh = other.IsFromKey || Key.Span.SequenceCompareTo(other.End.Span) < 0;
        var otherLowBeforeHigh = IsFromKey || other.Key.Span.SequenceCompareTo(End.Span) < 0;
        return lowBeforeOtherHigh && otherLowBeforeHigh;
    }

    public bool Equals(KeyRange other) => Key.Equals(other.Key) && End.Equals(other.End);

    public override int GetHashCode() => HashCode.Combine(Key.GetHashCode(), End.GetHashCode());
}
