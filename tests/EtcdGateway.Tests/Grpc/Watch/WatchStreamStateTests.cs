using EtcdGateway.Grpc.Watch;
using EtcdGateway.Protos.Etcdserverpb;
using static EtcdGateway.Tests.Grpc.Watch.WatchMessagesForTests;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>A client's watch stream through the proxy: the ids it sees, and what happens when the stream moves.</summary>
public class WatchStreamStateTests
{
    [Fact]
    public void Automatic_Ids_Are_Etcds_And_Members_Never_Choose_Them()
    {
        var stream = new WatchStreamHarness();
        var memberIds = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            memberIds.Add(stream.CreateWatcher());
        }

        Assert.Equal([0, 1, 2], stream.ToClient.Select(r => r.WatchId));
        Assert.All(stream.ToClient, r => Assert.True(r.Created));
        Assert.DoesNotContain(0, memberIds);
        Assert.Equal(memberIds.Count, memberIds.Distinct().Count());
    }

    [Fact]
    public void A_Chosen_Id_Is_Kept_And_Automatic_Ids_Go_Around_It()
    {
        var stream = new WatchStreamHarness();
        stream.CreateWatcher(id: 1);
        stream.CreateWatcher();
        stream.CreateWatcher();

        Assert.Equal([1, 0, 2], stream.ToClient.Select(r => r.WatchId));
    }

    [Fact]
    public void Requests_After_A_Create_Wait_For_Its_Created_Response()
    {
        var stream = new WatchStreamHarness();
        var create = Assert.Single(stream.Client(Create(id: 5)));
        Assert.Empty(stream.Client(Cancel(5)));
        Assert.Empty(stream.Client(Create(id: 6)));

        var answered = stream.Member(Created(create.CreateRequest.WatchId, 10));

        // Then the cancel (for the watcher just created, as etcd would take it) and the next create go, in order.
        Assert.Equal(5, Assert.Single(answered).WatchId);
        Assert.Equal(
            [WatchRequest.RequestUnionOneofCase.CreateRequest, WatchRequest.RequestUnionOneofCase.CancelRequest, WatchRequest.RequestUnionOneofCase.CreateRequest],
            stream.ToMember.Select(r => r.RequestUnionCase));
        Assert.Equal(create.CreateRequest.WatchId, stream.ToMember[1].CancelRequest.WatchId);
    }

    [Fact]
    public void A_Chosen_Id_In_Use_Is_Refused_As_Etcd_Refuses_It()
    {
        var stream = new WatchStreamHarness();
        stream.CreateWatcher(id: 5);
        var second = Assert.Single(stream.Client(Create(id: 5))).CreateRequest.WatchId;

        var refused = Assert.Single(stream.Member(Created(second, 11)));

        Assert.Equal((-1L, true, true, "mvcc: duplicate watch ID provided on the WatchStream", 11L),
            (refused.WatchId, refused.Created, refused.Canceled, refused.CancelReason, refused.Header.Revision));

        // The member's watcher made for it is canceled, and nothing of it reaches the client.
        Assert.Equal(second, stream.ToMember[^1].CancelRequest.WatchId);
        Assert.Empty(stream.Member(Events(second, 12, 12)));
        Assert.Empty(stream.Member(CancelAnswer(second, 12)));
    }

    [Fact]
    public void A_Refused_Create_Reaches_The_Client_As_The_Member_Gave_It()
    {
        var stream = new WatchStreamHarness();
        stream.Client(Create());
        var refused = Assert.Single(stream.Member(Refused(10, "etcdserver: permission denied")));
        Assert.Equal((-1L, "etcdserver: permission denied"), (refused.WatchId, refused.CancelReason));

        // No id was used: the next automatic one is 0.
        stream.CreateWatcher();
        Assert.Equal(0, stream.ToClient[^1].WatchId);
    }

    [Fact]
    public void Events_And_Cancels_Carry_The_Clients_Id_And_A_Cancel_Frees_It()
    {
        var stream = new WatchStreamHarness();
        var member = stream.CreateWatcher(id: 7);

        Assert.Equal(7, Assert.Single(stream.Member(Events(member, 11, 11))).WatchId);
        Assert.Equal(member, Assert.Single(stream.Client(Cancel(7))).CancelRequest.WatchId);
        var canceled = Assert.Single(stream.Member(CancelAnswer(member, 11)));
        Assert.Equal((7L, true), (canceled.WatchId, canceled.Canceled));

        stream.CreateWatcher(id: 7);
        Assert.False(stream.ToClient[^1].Canceled);
    }

    [Fact]
    public void A_Cancel_For_An_Id_No_Watcher_Holds_Gets_No_Answer()
    {
        var stream = new WatchStreamHarness();
        stream.CreateWatcher();
        Assert.Empty(stream.Client(Cancel(9)));
        Assert.Single(stream.ToClient);
    }

    [Fact]
    public void After_A_Move_Every_Watcher_Is_Created_Again_From_The_Revision_After_Its_Last()
    {
        var stream = new WatchStreamHarness();
        var quiet = stream.CreateWatcher(revision: 10);
        var busy = stream.CreateWatcher(revision: 10);
        var future = stream.CreateWatcher(start: 500, revision: 10);
        stream.Member(Events(busy, 12, 11, 12));

        var (toMember, toClient) = stream.Move();

        Assert.Empty(toClient);
        Assert.Equal([(quiet, 11L), (busy, 13L), (future, 500L)], toMember.Select(r => (r.CreateRequest.WatchId, r.CreateRequest.StartRevision)));

        // The second Created responses are the proxy's to keep; events go on under the same ids.
        Assert.Empty(stream.Member(Created(quiet, 20)));
        Assert.Empty(stream.Member(Created(busy, 20)));
        Assert.Empty(stream.Member(Created(future, 20)));
        Assert.Equal(1, Assert.Single(stream.Member(Events(busy, 21, 21))).WatchId);
    }

    [Fact]
    public void A_Move_Keeps_Every_Option_Of_The_Create_Request()
    {
        var stream = new WatchStreamHarness();
        var create = Create();
        create.CreateRequest.PrevKv = true;
        create.CreateRequest.ProgressNotify = true;
        create.CreateRequest.Fragment = true;
        create.CreateRequest.RangeEnd = Google.Protobuf.ByteString.CopyFromUtf8("l");
        create.CreateRequest.Filters.Add(WatchCreateRequest.Types.FilterType.Nodelete);
        var member = Assert.Single(stream.Client(create)).CreateRequest.WatchId;
        stream.Member(Created(member, 10));

        var again = Assert.Single(stream.Move().Member).CreateRequest;

        var expected = create.CreateRequest.Clone();
        expected.WatchId = member;
        expected.StartRevision = 11;
        Assert.Equal(expected, again);
    }

    [Fact]
    public void A_Create_The_Old_Member_Never_Answered_Is_Sent_Again_And_Answered()
    {
        var stream = new WatchStreamHarness();
        stream.CreateWatcher(id: 3);
        var pending = Assert.Single(stream.Client(Create(start: 8))).CreateRequest.WatchId;

        var toMember = stream.Move().Member;

        Assert.Equal([8L], toMember.Where(r => r.CreateRequest.WatchId == pending).Select(r => r.CreateRequest.StartRevision));
        stream.Member(Created(toMember[0].CreateRequest.WatchId, 30));
        var created = Assert.Single(stream.Member(Created(pending, 30)));
        Assert.Equal((0L, true, 30L), (created.WatchId, created.Created, created.Header.Revision));
    }

    [Fact]
    public void A_Cancel_The_Old_Member_Never_Answered_Is_Answered_At_The_Move()
    {
        var stream = new WatchStreamHarness();
        stream.CreateWatcher(id: 4);
        stream.Client(Cancel(4));

        var (toMember, toClient) = stream.Move();

        Assert.Empty(toMember);
        Assert.Equal((4L, true), (Assert.Single(toClient).WatchId, toClient[0].Canceled));
    }

    [Fact]
    public void A_Progress_Request_Still_Unanswered_Is_Asked_Again_After_The_Move()
    {
        var stream = new WatchStreamHarness();
        stream.CreateWatcher();
        stream.Client(ProgressRequest());
        Assert.Equal(WatchRequest.RequestUnionOneofCase.ProgressRequest, stream.Move().Member[^1].RequestUnionCase);

        stream.Member(new WatchResponse { Header = new ResponseHeader { Revision = 40 }, WatchId = -1 });
        Assert.DoesNotContain(stream.Move().Member, r => r.RequestUnionCase == WatchRequest.RequestUnionOneofCase.ProgressRequest);
    }

    [Fact]
    public void A_Progress_Answer_Moves_Caught_Up_Watchers_On()
    {
        var stream = new WatchStreamHarness();
        var member = stream.CreateWatcher(revision: 10);
        stream.Client(ProgressRequest());
        var answer = Assert.Single(stream.Member(new WatchResponse { Header = new ResponseHeader { Revision = 40 }, WatchId = -1 }));
        Assert.Equal(-1, answer.WatchId);

        Assert.Equal([(member, 41L)], stream.Move().Member.Select(r => (r.CreateRequest.WatchId, r.CreateRequest.StartRevision)));
    }

    [Fact]
    public void Compacted_While_Away_The_Client_Gets_Etcds_Compaction_Cancel_And_Its_Cancel_Is_Answered()
    {
        var stream = new WatchStreamHarness();
        var member = stream.CreateWatcher(id: 2, revision: 10);
        stream.Move();
        Assert.Empty(stream.Member(Created(member, 50)));

        var compacted = Assert.Single(stream.Member(Compacted(member, 50, 45)));
        Assert.Equal((2L, true, 45L), (compacted.WatchId, compacted.Canceled, compacted.CompactRevision));

        // Like etcd, the id stays taken until the client cancels; the member still holds the watcher and answers.
        Assert.Equal(member, Assert.Single(stream.Client(Cancel(2))).CancelRequest.WatchId);
        Assert.Equal(2, Assert.Single(stream.Member(CancelAnswer(member, 50))).WatchId);
    }

    [Fact]
    public void A_Compacted_Watcher_Is_Not_Created_Again_And_The_Proxy_Answers_Its_Cancel()
    {
        var stream = new WatchStreamHarness();
        var member = stream.CreateWatcher(id: 2, revision: 10);
        stream.Member(Compacted(member, 10, 9));

        Assert.Empty(stream.Move().Member);
        Assert.Empty(stream.Client(Cancel(2)));
        Assert.Equal((2L, true), (stream.ToClient[^1].WatchId, stream.ToClient[^1].Canceled));
    }

    [Fact]
    public void A_Watcher_The_New_Member_Refuses_Ends_With_Its_Reason()
    {
        var stream = new WatchStreamHarness();
        var member = stream.CreateWatcher(id: 6);
        stream.Move();

        var ended = Assert.Single(stream.Member(Refused(20, "etcdserver: permission denied")));

        Assert.Equal((6L, true, false, "etcdserver: permission denied"), (ended.WatchId, ended.Canceled, ended.Created, ended.CancelReason));
        Assert.Empty(stream.Member(Events(member, 21, 21)));
    }

    [Fact]
    public void Moving_Twice_Resumes_From_What_Reached_The_Client_Not_What_Was_Asked()
    {
        var stream = new WatchStreamHarness();
        var member = stream.CreateWatcher(start: 5, revision: 10);
        stream.Member(Events(member, 10, 5, 6));
        stream.Move();
        stream.Member(Created(member, 12));
        stream.Member(Events(member, 12, 7, 12));

        Assert.Equal(13, Assert.Single(stream.Move().Member).CreateRequest.StartRevision);
    }
}
