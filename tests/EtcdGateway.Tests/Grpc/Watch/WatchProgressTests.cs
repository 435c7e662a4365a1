using EtcdGateway.Grpc.Watch;
using static EtcdGateway.Tests.Grpc.Watch.WatchMessagesForTests;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>Where a watcher resumes on another member, from what reached the client.</summary>
public class WatchProgressTests
{
    [Fact]
    public void A_Watch_From_Now_Resumes_After_The_Created_Revision()
    {
        var progress = new WatchProgress(0);
        progress.Created(41);
        Assert.Equal(42, progress.ResumeRevision);
    }

    [Fact]
    public void A_Watch_From_A_Revision_Resumes_There_Until_Events_Arrive()
    {
        var progress = new WatchProgress(5);
        progress.Created(41);
        Assert.Equal(5, progress.ResumeRevision);
    }

    [Fact]
    public void Events_Move_It_Past_The_Last_Event_Not_The_Header()
    {
        // A catch-up batch cut at etcd's 1,000 revisions carries the store's revision (2000), not its last event's.
        var progress = new WatchProgress(5);
        progress.Created(2000);
        Assert.True(progress.Observe(Events(1, 2000, 5, 6, 1004)));
        Assert.Equal(1005, progress.ResumeRevision);
    }

    [Fact]
    public void A_Progress_Notification_Moves_It_To_Its_Revision()
    {
        var progress = new WatchProgress(0);
        progress.Created(10);
        Assert.True(progress.Observe(Progress(1, 30)));
        Assert.Equal(31, progress.ResumeRevision);
    }

    [Fact]
    public void It_Never_Goes_Back()
    {
        var progress = new WatchProgress(0);
        progress.Created(10);
        progress.Observe(Progress(1, 30));
        progress.Observe(Events(1, 25, 25));
        Assert.Equal(31, progress.ResumeRevision);
    }

    [Fact]
    public void A_Progress_For_The_Whole_Stream_Counts_Only_Once_The_Watcher_Is_Caught_Up()
    {
        var progress = new WatchProgress(5);
        progress.Created(20);

        // etcd 3.4 answers a progress request at once, even while this watcher is still being sent revisions 5 to 20.
        progress.StreamProgress(20);
        Assert.Equal(5, progress.ResumeRevision);

        // Events at the revision they were written at: the member is sending it live now.
        progress.Observe(Events(1, 21, 21));
        progress.StreamProgress(24);
        Assert.Equal(25, progress.ResumeRevision);
    }

    [Fact]
    public void A_Watcher_Starting_After_The_Store_Revision_Is_Caught_Up_From_Creation()
    {
        var progress = new WatchProgress(100);
        progress.Created(20);
        progress.StreamProgress(150);
        Assert.Equal(151, progress.ResumeRevision);
    }

    [Fact]
    public void Fragments_Count_Only_Once_The_Last_One_Is_In()
    {
        var progress = new WatchProgress(0);
        progress.Created(10);
        Assert.True(progress.Observe(Fragment(1, 12, 11, 11)));
        Assert.Equal(11, progress.ResumeRevision);
        Assert.True(progress.Observe(Events(1, 12, 11, 12)));
        Assert.Equal(13, progress.ResumeRevision);
    }

    [Fact]
    public void After_A_Move_The_Events_Of_Fragments_The_Client_Has_Are_Not_Sent_Again()
    {
        var progress = new WatchProgress(0);
        progress.Created(10);
        progress.Observe(Fragment(1, 12, 11, 11));

        progress.Resuming();
        progress.Created(12);

        // The new member sends revision 11 again, cut elsewhere: the first two events are the client's already.
        var first = Fragment(1, 12, 11);
        Assert.False(progress.Observe(first));
        var rest = Events(1, 12, 11, 11, 12);
        Assert.True(progress.Observe(rest));
        Assert.Equal([11, 12], EventRevisions(rest));
        Assert.Equal(13, progress.ResumeRevision);
    }

    [Fact]
    public void The_Last_Fragment_Reaches_The_Client_Even_When_It_Has_Every_Event_Of_It()
    {
        var progress = new WatchProgress(0);
        progress.Created(10);
        progress.Observe(Fragment(1, 11, 11, 11));
        progress.Resuming();
        progress.Created(11);

        var again = Events(1, 11, 11, 11);
        Assert.True(progress.Observe(again));
        Assert.Empty(again.Events);
        Assert.False(again.Fragment);
        Assert.Equal(12, progress.ResumeRevision);
    }
}
