using System.Text;
using EtcdGateway.Grpc.Cache;
using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Cache;

public class RangeCacheStoreTests
{
    private static readonly CacheIdentity Alice = CacheIdentity.Of(new Metadata { { "token", "alice.1" } });
    private static readonly CacheIdentity Bob = CacheIdentity.Of(new Metadata { { "token", "bob.1" } });

    private readonly ManualTimeProvider _time = new();
    private readonly RecordingInvalidationFeed _feed = new();
    private readonly RangeCacheMetrics _metrics = new();

    private static ByteString B(string text) => ByteString.CopyFrom(text, Encoding.Latin1);

    private static RangeRequest Get(string key, string end = "") => new() { Key = B(key), RangeEnd = B(end), Serializable = true };

    private static RangeCacheKey KeyOf(CacheIdentity identity, RangeRequest request) => new(identity, request.ToByteString());

    private static KeyRange RangeOf(RangeRequest request) => new(request.Key, request.RangeEnd);

    private static RangeResponse Answer(long revision, string key = "k", string value = "v") => new()
    {
        Header = new ResponseHeader { Revision = revision },
        Kvs = { new KeyValue { Key = B(key), Value = B(value), ModRevision = revision } },
        Count = 1,
    };

    private RangeCacheStore Store(int maxEntries = 100, long maxBytes = 1 << 20) =>
        new(new RangeCacheOptions { MaxEntries = maxEntries, MaxBytes = maxBytes, EntryTtl = TimeSpan.FromSeconds(1) }, _metrics, _feed, _time);

    /// <summary>Stores an answer and lets its watch be confirmed and heard, as the cluster would.</summary>
    private bool StoreConfirmed(RangeCacheStore store, CacheIdentity identity, RangeRequest request, RangeResponse answer)
    {
        var stored = store.TryStore(KeyOf(identity, request), RangeOf(request), answer);
        foreach (var watches in _feed.Opened.Where(w => w.Identity.Equals(identity)))
        {
            while (watches.Creating.Count > 0)
            {
                store.Created(watches, refused: false);
            }

            store.Heard(watches);
        }

        return stored;
    }

    [Fact]
    public void An_Answer_Is_Not_Served_Until_Its_Watch_Is_Confirmed_And_Heard()
    {
        var store = Store();
        var get = Get("k");
        Assert.True(store.TryStore(KeyOf(Alice, get), RangeOf(get), Answer(5)));
        Assert.Null(store.TryGet(KeyOf(Alice, get)));

        var watches = Assert.Single(_feed.Opened);
        var watched = Assert.Single(_feed.Created);
        Assert.Equal(6, watched.StartRevision);
        store.Created(watches, refused: false);
        Assert.Null(store.TryGet(KeyOf(Alice, get)));

        store.Heard(watches);
        Assert.NotNull(store.TryGet(KeyOf(Alice, get)));
    }

    [Fact]
    public void An_Answer_Is_Found_Only_By_The_Identity_It_Was_Read_For()
    {
        var store = Store();
        var get = Get("secret");
        StoreConfirmed(store, Alice, get, Answer(5));

        Assert.NotNull(store.TryGet(KeyOf(Alice, get)));
        Assert.Null(store.TryGet(KeyOf(Bob, get)));
        Assert.Null(store.TryGet(KeyOf(CacheIdentity.Anonymous, get)));
    }

    [Fact]
    public void A_Write_After_The_Answer_Drops_It_For_Everyone_And_One_Before_Does_Not()
    {
        var store = Store();
        var get = Get("k");
        StoreConfirmed(store, Alice, get, Answer(5));
        StoreConfirmed(store, Bob, get, Answer(7));

        store.Invalidate(KeyRange.Single(B("k")), 5);
        Assert.NotNull(store.TryGet(KeyOf(Alice, get)));

        store.Invalidate(KeyRange.Single(B("k")), 6);
        Assert.Null(store.TryGet(KeyOf(Alice, get)));
        Assert.NotNull(store.TryGet(KeyOf(Bob, get)));

        store.Invalidate(KeyRange.Single(B("other")), 9);
        Assert.NotNull(store.TryGet(KeyOf(Bob, get)));
    }

    [Fact]
    public void A_From_Key_Answer_Is_Dropped_By_A_Write_To_Any_Later_Key()
    {
        var store = Store();
        var fromB = Get("b", "\0");
        StoreConfirmed(store, Alice, fromB, Answer(5));

        store.Invalidate(KeyRange.Single(B("a")), 6);
        Assert.NotNull(store.TryGet(KeyOf(Alice, fromB)));

        store.Invalidate(KeyRange.Single(B("zzz")), 7);
        Assert.Null(store.TryGet(KeyOf(Alice, fromB)));
    }

    [Fact]
    public void An_Answer_Older_Than_A_Write_Already_Seen_To_Its_Keys_Is_Never_Stored()
    {
        // The race: the read left before the write, the write's event arrived before the read's answer.
        var store = Store();
        var get = Get("k");
        StoreConfirmed(store, Alice, Get("k", "l"), Answer(3));
        store.Invalidate(KeyRange.Single(B("k")), 10);

        Assert.False(StoreConfirmed(store, Alice, get, Answer(9, value: "old")));
        Assert.Null(store.TryGet(KeyOf(Alice, get)));

        Assert.True(StoreConfirmed(store, Alice, get, Answer(10, value: "new")));
        Assert.Equal("new", store.TryGet(KeyOf(Alice, get))!.Kvs[0].Value.ToString(Encoding.Latin1));
    }

    [Fact]
    public void An_Answer_Older_Than_Its_Watch_Is_Not_Stored()
    {
        // Writes between the answer's revision and the watcher's start would go unseen.
        var store = Store();
        StoreConfirmed(store, Alice, Get("k"), Answer(20));
        Assert.False(StoreConfirmed(store, Alice, new RangeRequest(Get("k")) { KeysOnly = true }, Answer(15)));
        Assert.False(StoreConfirmed(store, Alice, new RangeRequest(Get("k")) { KeysOnly = true }, Answer(19)));
        Assert.True(StoreConfirmed(store, Alice, new RangeRequest(Get("k")) { KeysOnly = true }, Answer(20)));
    }

    [Fact]
    public void Once_The_Log_Forgets_A_Write_Older_Answers_Are_Refused()
    {
        var options = new RangeCacheOptions { MaxEntries = 100, MaxBytes = 1 << 20, EntryTtl = TimeSpan.FromSeconds(1), InvalidationLogCapacity = 2 };
        var store = new RangeCacheStore(options, _metrics, _feed, _time);
        store.Invalidate(KeyRange.Single(B("x")), 10);
        store.Invalidate(KeyRange.Single(B("y")), 11);
        store.Invalidate(KeyRange.Single(B("z")), 12);

        // "x" at 10 is forgotten: an answer to "k" read at 9 might have missed it, for all the store can tell.
        Assert.False(StoreConfirmed(store, Alice, Get("k"), Answer(9)));
        Assert.True(StoreConfirmed(store, Alice, Get("k"), Answer(10)));
    }

    [Fact]
    public void A_Silent_Stream_Serves_Nothing_And_Is_Given_Up()
    {
        var store = Store();
        var get = Get("k");
        StoreConfirmed(store, Alice, get, Answer(5));

        _time.Advance(TimeSpan.FromMilliseconds(950));
        Assert.Null(store.TryGet(KeyOf(Alice, get)));

        _time.Advance(TimeSpan.FromSeconds(3));
        store.Sweep();
        Assert.Single(_feed.Closed);
        Assert.Equal(0, store.Count);
        Assert.Equal(0, _metrics.Keys);
    }

    [Fact]
    public void An_Answer_Is_Served_No_Longer_Than_Its_Ttl()
    {
        var store = Store();
        var get = Get("k");
        StoreConfirmed(store, Alice, get, Answer(5));
        var watches = Assert.Single(_feed.Opened);

        _time.Advance(TimeSpan.FromMilliseconds(800));
        store.Heard(watches);
        Assert.NotNull(store.TryGet(KeyOf(Alice, get)));

        _time.Advance(TimeSpan.FromMilliseconds(300));
        store.Heard(watches);
        Assert.Null(store.TryGet(KeyOf(Alice, get)));
    }

    [Fact]
    public void An_Answer_Never_Asked_For_Again_Goes_At_Its_Ttl_And_Its_Watch_After()
    {
        var store = Store();
        StoreConfirmed(store, Alice, Get("k"), Answer(5));
        var watches = Assert.Single(_feed.Opened);

        _time.Advance(TimeSpan.FromMilliseconds(1100));
        store.Heard(watches);
        store.Sweep();
        Assert.Equal(0, store.Count);
        Assert.Equal(0, _metrics.Keys);
        Assert.Equal(0, _metrics.Bytes);

        _time.Advance(TimeSpan.FromSeconds(6));
        store.Heard(watches);
        store.Sweep();
        Assert.Single(_feed.Cancelled);
        _time.Advance(TimeSpan.FromSeconds(6));
        store.Heard(watches);
        store.Sweep();
        Assert.Single(_feed.Closed);
    }

    [Fact]
    public void A_Lost_Stream_Drops_Its_Identity_Only()
    {
        var store = Store();
        var get = Get("k");
        StoreConfirmed(store, Alice, get, Answer(5));
        StoreConfirmed(store, Bob, get, Answer(5));

        store.StreamLost(_feed.Opened.Single(w => w.Identity.Equals(Alice)));
        Assert.Null(store.TryGet(KeyOf(Alice, get)));
        Assert.NotNull(store.TryGet(KeyOf(Bob, get)));
    }

    [Fact]
    public void A_Refused_Or_Cancelled_Watch_Drops_What_It_Covered()
    {
        var store = Store();
        var denied = Get("secret");
        Assert.True(store.TryStore(KeyOf(Bob, denied), RangeOf(denied), Answer(5)));
        var watches = Assert.Single(_feed.Opened);
        store.Created(watches, refused: true);
        store.Heard(watches);
        Assert.Null(store.TryGet(KeyOf(Bob, denied)));
        Assert.Equal(0, store.Count);

        var get = Get("k");
        StoreConfirmed(store, Bob, get, Answer(6));
        Assert.NotNull(store.TryGet(KeyOf(Bob, get)));
        store.Cancelled(watches, _feed.Created.Last().WatchId);
        Assert.Null(store.TryGet(KeyOf(Bob, get)));
    }

    [Fact]
    public void Entries_Are_Bounded_And_The_Least_Recently_Used_Goes_First()
    {
        var store = Store(maxEntries: 2);
        StoreConfirmed(store, Alice, Get("a"), Answer(5, "a"));
        StoreConfirmed(store, Alice, Get("b"), Answer(5, "b"));
        Assert.NotNull(store.TryGet(KeyOf(Alice, Get("a"))));

        StoreConfirmed(store, Alice, Get("c"), Answer(5, "c"));
        Assert.Equal(2, store.Count);
        Assert.NotNull(store.TryGet(KeyOf(Alice, Get("a"))));
        Assert.Null(store.TryGet(KeyOf(Alice, Get("b"))));
        Assert.NotNull(store.TryGet(KeyOf(Alice, Get("c"))));
        Assert.Equal(2, _metrics.Keys);
    }

    [Fact]
    public void Bytes_Are_Bounded_And_An_Answer_Larger_Than_The_Bound_Is_Not_Stored()
    {
        var big = new string('x', 1000);
        var store = Store(maxBytes: 2600);
        StoreConfirmed(store, Alice, Get("a"), Answer(5, "a", big));
        StoreConfirmed(store, Alice, Get("b"), Answer(5, "b", big));
        Assert.Equal(2, store.Count);
        Assert.InRange(_metrics.Bytes, 2000, 2600);

        StoreConfirmed(store, Alice, Get("c"), Answer(5, "c", big));
        Assert.Equal(2, store.Count);
        Assert.Null(store.TryGet(KeyOf(Alice, Get("a"))));
        Assert.InRange(_metrics.Bytes, 2000, 2600);

        Assert.False(StoreConfirmed(store, Alice, Get("d"), Answer(5, "d", new string('x', 3000))));
    }

    [Fact]
    public void An_Idle_Watcher_Is_Cancelled_After_Its_Linger_And_Then_Its_Stream()
    {
        var store = Store();
        var get = Get("k");
        StoreConfirmed(store, Alice, get, Answer(5));
        var watches = Assert.Single(_feed.Opened);
        store.Invalidate(KeyRange.Single(B("k")), 6);

        _time.Advance(TimeSpan.FromSeconds(6));
        store.Heard(watches);
        store.Sweep();
        Assert.Single(_feed.Cancelled);
        Assert.Empty(_feed.Closed);

        _time.Advance(TimeSpan.FromSeconds(6));
        store.Heard(watches);
        store.Sweep();
        Assert.Single(_feed.Closed);
    }
}
