using EtcdGateway.Grpc.Watch;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>One watcher's view of shared events: its revision, filters, prev_kv and fragments, as etcd would send them.</summary>
public class WatcherResponsesTests
{
    [Fact]
    public void Events_Before_The_Watchers_Next_Revision_Are_Not_Sent_Again()
    {
        var watcher = Watcher(new WatchCreateRequest(), next: 12);
        var output = new List<WatchResponse>();

        WatcherResponses.AddBatch(output, watcher, [EventHistoryTests.Entry(10, 11), EventHistoryTests.Entry(12), EventHistoryTests.Entry(13)]);

        var response = Assert.Single(output);
        Assert.Equal([12L, 13], response.Events.Select(e => e.Kv.ModRevision));
        Assert.Equal(13, response.Header.Revision);
        Assert.Equal(14, watcher.Next);
    }

    [Fact]
    public void Filtered_Events_Send_Nothing_But_Move_The_Watcher_On()
    {
        var watcher = Watcher(new WatchCreateRequest { Filters = { WatchCreateRequest.Types.FilterType.Noput } }, next: 1);
        var output = new List<WatchResponse>();

        var sent = WatcherResponses.Add(output, watcher, new ResponseHeader { Revision = 5 }, EventHistoryTests.Entry(5).Events);

        Assert.Equal(0, sent);
        Assert.Empty(output);
        Assert.Equal(6, watcher.Next);
    }

    [Fact]
    public void Prev_Kv_Only_For_A_Watcher_That_Asked()
    {
        var with = Watcher(new WatchCreateRequest { PrevKv = true }, next: 1);
        var without = Watcher(new WatchCreateRequest(), next: 1);
        var output = new List<WatchResponse>();
        var events = EventHistoryTests.Entry(3).Events;

        WatcherResponses.Add(output, with, new ResponseHeader(), events);
        WatcherResponses.Add(output, without, new ResponseHeader(), events);

        Assert.NotNull(output[0].Events[0].PrevKv);
        Assert.Null(output[1].Events[0].PrevKv);
        Assert.NotNull(events[0].PrevKv);
    }

    [Fact]
    public void Fragments_Are_Cut_As_Etcd_Cuts_Them()
    {
        var watcher = Watcher(new WatchCreateRequest { Fragment = true }, next: 1);
        var big = ByteString.CopyFrom(new byte[700 * 1024]);
        Event[] events = [.. new[] { 1L, 2, 3 }.Select(r => new Event { Kv = new KeyValue { Key = ByteString.CopyFromUtf8("k"), ModRevision = r, Value = big } })];
        var output = new List<WatchResponse>();

        WatcherResponses.Add(output, watcher, new ResponseHeader { Revision = 3 }, events);

        Assert.Equal([(2, true), (1, false)], output.Select(r => (r.Events.Count, r.Fragment)));
    }

    [Fact]
    public void Without_Fragments_A_Large_Batch_Comes_As_Several_Responses_Of_Whole_Revisions()
    {
        var watcher = Watcher(new WatchCreateRequest(), next: 1);
        var big = ByteString.CopyFrom(new byte[300 * 1024]);
        Event[] events = [.. new[] { 1L, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10 }.Select(r => new Event { Kv = new KeyValue { Key = ByteString.CopyFromUtf8("k"), ModRevision = r, Value = big } })];
        var output = new List<WatchResponse>();

        WatcherResponses.Add(output, watcher, new ResponseHeader { Revision = 10 }, events);

        Assert.True(output.Count > 1);
        Assert.All(output, r => Assert.True(r.CalculateSize() < WatcherResponses.FragmentLimit && !r.Fragment));
        Assert.Equal(events.Select(e => e.Kv.ModRevision), output.SelectMany(r => r.Events).Select(e => e.Kv.ModRevision));
        Assert.All(output.Zip(output.Skip(1)), pair => Assert.NotEqual(pair.First.Events[^1].Kv.ModRevision, pair.Second.Events[0].Kv.ModRevision));
    }

    [Fact]
    public void A_Catch_Up_Batch_Holds_At_Most_A_Thousand_Revisions()
    {
        var watcher = Watcher(new WatchCreateRequest(), next: 1);
        var output = new List<WatchResponse>();

        WatcherResponses.AddBatch(output, watcher, [.. Enumerable.Range(1, 1500).Select(r => EventHistoryTests.Entry(r))]);

        Assert.Equal([1000, 500], output.Select(r => r.Events.Count));
        Assert.Equal(1501, watcher.Next);
    }

    [Fact]
    public void A_Replay_Carries_The_Stores_Revision_Not_Its_Last_Events()
    {
        var watcher = Watcher(new WatchCreateRequest(), next: 10);
        var output = new List<WatchResponse>();

        WatcherResponses.AddBatch(output, watcher, [EventHistoryTests.Entry(10), EventHistoryTests.Entry(12)], storeRevision: 20);

        var response = Assert.Single(output);
        Assert.Equal(20, response.Header.Revision);
    }

    [Fact]
    public void A_Replay_Never_Carries_An_Older_Revision_Than_Its_Events()
    {
        var watcher = Watcher(new WatchCreateRequest(), next: 10);
        var output = new List<WatchResponse>();

        WatcherResponses.AddBatch(output, watcher, [EventHistoryTests.Entry(10), EventHistoryTests.Entry(12)], storeRevision: 11);

        Assert.Equal(12, Assert.Single(output).Header.Revision);
    }

    private static ClientWatcher Watcher(WatchCreateRequest request, long next) => new(7, 1, request) { Next = next };
}
