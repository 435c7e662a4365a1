using EtcdGateway.Grpc.Watch;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>Watch ids on one stream, as etcd's watchStream gives them.</summary>
public class WatcherTableTests
{
    [Fact]
    public void Automatic_Ids_Start_At_Zero_And_Count_Up()
    {
        var table = new WatcherTable();
        Assert.Equal(0, Add(table, table.NextAutoId()));
        Assert.Equal(1, Add(table, table.NextAutoId()));
        Assert.Equal(2, Add(table, table.NextAutoId()));
    }

    [Fact]
    public void Automatic_Ids_Skip_Ids_A_Client_Chose()
    {
        var table = new WatcherTable();
        Add(table, 0);
        Add(table, 1);
        Add(table, 3);

        Assert.Equal(2, Add(table, table.NextAutoId()));
        Assert.Equal(4, Add(table, table.NextAutoId()));
    }

    [Fact]
    public void An_Automatic_Id_Is_Not_Given_Again_Once_Freed()
    {
        var table = new WatcherTable();
        var first = new ClientWatcher(0, 1, new WatchCreateRequest()) { Id = table.NextAutoId() };
        table.Add(first);
        table.Remove(first);

        // etcd's counter only goes up: the freed 0 is not handed out again (a client may still choose it).
        Assert.Equal(1, table.NextAutoId());
        Assert.False(table.Holds(0));
    }

    [Fact]
    public void An_Id_Is_Held_Until_Removed()
    {
        var table = new WatcherTable();
        var watcher = new ClientWatcher(7, 1, new WatchCreateRequest());
        table.Add(watcher);

        Assert.True(table.Holds(7));
        Assert.Same(watcher, table.Find(7));
        table.Remove(watcher);
        Assert.False(table.Holds(7));
        Assert.Null(table.Find(7));
    }

    [Fact]
    public void Watchers_Come_Back_Oldest_First()
    {
        var table = new WatcherTable();
        Add(table, 9, memberWatchId: 3);
        Add(table, 2, memberWatchId: 1);
        Add(table, 5, memberWatchId: 2);

        Assert.Equal([2, 5, 9], table.InCreationOrder().Select(w => w.Id));
    }

    private static long Add(WatcherTable table, long id, long memberWatchId = 1)
    {
        table.Add(new ClientWatcher(id, memberWatchId, new WatchCreateRequest()) { Id = id });
        return id;
    }
}
