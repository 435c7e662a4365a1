namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The invalidations seen lately (the keys a write touched and its revision), so an answer read before a write but
/// arriving after its invalidation is never stored (etcd's proxy can re-cache the old value: etcd PR 21870). Bounded: once
/// an invalidation falls out, any answer older than it is refused too, since nothing says it missed none. Not thread-safe:
/// the store's lock guards it.
/// </summary>
internal sealed class InvalidationLog(int capacity)
{
    private readonly (KeyRange Keys, long Revision)[] _ring = new (KeyRange, long)[capacity];
    private int _next;
    private int _count;
    private long _forgottenUpTo;

    public void Add(KeyRange keys, long revision)
    {
        if (_count == _ring.Length)
        {
            _forgottenUpTo = Math.Max(_forgottenUpTo, _ring[_next].Revision);
        }
        else
        {
            _count++;
        }

        _ring[_next] = (keys, revision);
        _next = (_next + 1) % _ring.Length;
    }

    /// <summary>Whether a write after <paramref name="revision"/> to a key of <paramref name="keys"/> was seen (or may have been).</summary>
    public bool SeenAfter(KeyRange keys, long revision)
    {
        if (_forgottenUpTo > revision)
        {
            return true;
        }

        for (var i = 0; i < _count; i++)
        {
            var (written, at) = _ring[i];
            if (at > revision && written.Intersects(keys))
            {
                return true;
            }
        }

        return false;
    }
}
