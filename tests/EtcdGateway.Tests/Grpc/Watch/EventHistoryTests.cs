using EtcdGateway.Grpc.Watch;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>The shared watch's bounded history: what it covers, what a watcher from a revision reads, what it drops.</summary>
public class EventHistoryTests
{
    [Fact]
    public void A_New_History_Covers_From_Its_Start_And_Holds_Nothing()
    {
        var history = new EventHistory(10, new WatchHistoryLimits(100, 1 << 20));

        Assert.True(history.Covers(10));
        Assert.True(history.Covers(50));
        Assert.False(history.Covers(9));
        Assert.Equal(9, history.Through);
        Assert.Empty(history.From(10));
    }

    [Fact]
    public void From_Gives_The_Entries_With_Events_At_Or_After_The_Revision()
    {
        var history = new EventHistory(10, new WatchHistoryLimits(100, 1 << 20));
        history.Append(Entry(10, 11));
        history.Append(Entry(12));
        history.Append(Entry(15));

        Assert.Equal([10L, 12, 15], history.From(10).Select(e => e.FirstRevision));
        Assert.Equal([10L, 12, 15], history.From(11).Select(e => e.FirstRevision));
        Assert.Equal([12L, 15], history.From(12).Select(e => e.FirstRevision));
        Assert.Equal([15L], history.From(13).Select(e => e.FirstRevision));
        Assert.Empty(history.From(16));
        Assert.Equal(15, history.Through);
    }

    [Fact]
    public void Over_The_Event_Limit_The_Oldest_Go_And_The_History_Covers_Less()
    {
        var history = new EventHistory(1, new WatchHistoryLimits(3, 1 << 20));
        for (var revision = 1; revision <= 5; revision++)
        {
            history.Append(Entry(revision));
        }

        Assert.Equal(3, history.Count);
        Assert.Equal(2, history.Evicted);
        Assert.Equal(3, history.CompleteFrom);
        Assert.False(history.Covers(2));
        Assert.Equal([3L, 4, 5], history.From(1).Select(e => e.FirstRevision));
    }

    [Fact]
    public void Over_The_Byte_Limit_The_Newest_Entry_Is_Kept_Whatever_Its_Size()
    {
        var history = new EventHistory(1, new WatchHistoryLimits(100, 10));
        history.Append(Entry(1));
        history.Append(Entry(2));

        Assert.Equal(1, history.Count);
        Assert.Equal(2, history.CompleteFrom);
    }

    [Fact]
    public void A_Progress_Notification_Moves_Through_Forward_Only()
    {
        var history = new EventHistory(5, new WatchHistoryLimits(100, 1 << 20));
        history.AdvanceTo(20);
        history.AdvanceTo(7);

        Assert.Equal(20, history.Through);
        Assert.Throws<InvalidOperationException>(() => history.Append(Entry(20)));
    }

    [Fact]
    public void Many_Evictions_Keep_Lookups_Right()
    {
        var history = new EventHistory(1, new WatchHistoryLimits(10, 1 << 20));
        for (var revision = 1; revision <= 1000; revision++)
        {
            history.Append(Entry(revision));
        }

        Assert.Equal(991, history.CompleteFrom);
        Assert.Equal(Enumerable.Range(995, 6).Select(r => (long)r), history.From(995).Select(e => e.FirstRevision));
    }

    internal static HistoryEntry Entry(params long[] revisions) => new(
        new ResponseHeader { Revision = revisions[^1] },
        [.. revisions.Select(r => new Event { Type = Event.Types.EventType.Put, Kv = new KeyValue { Key = ByteString.CopyFromUtf8("k"), ModRevision = r, Value = ByteString.CopyFromUtf8("v") }, PrevKv = new KeyValue { Key = ByteString.CopyFromUtf8("k") } })]);
}
