using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>Watch streams through <c>--namespace=ns/</c>.</summary>
public class KeySpaceWatchTests
{
    private static readonly KeySpace Ns = KeySpace.Of("ns/");

    [Fact]
    public void Create_Prefixes_Key_And_Range_End_And_Keeps_Every_Option()
    {
        var request = new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = Key("a"), RangeEnd = Key("b"), StartRevision = 7, ProgressNotify = true, PrevKv = true, WatchId = 3, Fragment = true,
                Filters = { WatchCreateRequest.Types.FilterType.Nodelete },
            },
        };

        var sent = Ns.ToCluster(request);

        var expected = request.Clone();
        expected.CreateRequest.Key = Key("ns/a");
        expected.CreateRequest.RangeEnd = Key("ns/b");
        Assert.Equal(expected, sent);
        Assert.Equal("a", Text(request.CreateRequest.Key));
    }

    [Theory]
    [InlineData("a", "", "ns/a", "")]
    [InlineData("a", "\0", "ns/a", "ns0")]
    [InlineData("\0", "\0", "ns/\0", "ns0")]
    [InlineData("", "", "ns/\0", "")]
    [InlineData("", "\0", "ns/\0", "ns0")]
    public void Create_Watches_Inside_The_Namespace(string key, string end, string clusterKey, string clusterEnd)
    {
        // An empty key is "\0" to etcd's watch server, so the prefix alone (a key no client of the namespace can write)
        // is never watched.
        var sent = Ns.ToCluster(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key(key), RangeEnd = Key(end) } });
        Assert.Equal((clusterKey, clusterEnd), (Text(sent.CreateRequest.Key), Text(sent.CreateRequest.RangeEnd)));
    }

    [Fact]
    public void Cancel_And_Progress_Requests_Hold_No_Key_And_Pass_As_They_Are()
    {
        var cancel = new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = 4 } };
        var progress = new WatchRequest { ProgressRequest = new WatchProgressRequest() };
        Assert.Same(cancel, Ns.ToCluster(cancel));
        Assert.Same(progress, Ns.ToCluster(progress));
    }

    [Fact]
    public void Events_Show_Key_And_Previous_Key_Stripped()
    {
        var answer = new WatchResponse
        {
            WatchId = 2,
            Header = new ResponseHeader { Revision = 9 },
            Events =
            {
                new Event { Type = Event.Types.EventType.Put, Kv = Kv("ns/a", "2", 9), PrevKv = Kv("ns/a", "1", 8) },
                new Event { Type = Event.Types.EventType.Delete, Kv = Kv("ns/b", "", 9) },
            },
        };

        var shown = Ns.ToClient(answer);

        Assert.Equal(["a", "b"], shown.Events.Select(e => Text(e.Kv.Key)));
        Assert.Equal(("a", "1"), (Text(shown.Events[0].PrevKv.Key), Text(shown.Events[0].PrevKv.Value)));
        Assert.Null(shown.Events[1].PrevKv);
        Assert.Equal((2L, 9L), (shown.WatchId, shown.Header.Revision));
        Assert.Equal("ns/a", Text(answer.Events[0].Kv.Key));
    }

    [Fact]
    public void Events_Outside_The_Namespace_Are_Never_Shown()
    {
        var shown = Ns.ToClient(new WatchResponse
        {
            Events =
            {
                new Event { Kv = Kv("outside", "x", 5) },
                new Event { Kv = Kv("ns/in", "y", 5) },
                new Event { Kv = Kv("ns/", "prefix alone", 5) },
                new Event(),
            },
        });
        Assert.Equal(["in"], shown.Events.Select(e => Text(e.Kv.Key)));
    }

    [Fact]
    public void Responses_Without_Events_Pass_As_They_Are()
    {
        var created = new WatchResponse { Created = true, WatchId = 1, Header = new ResponseHeader { Revision = 4 } };
        var canceled = new WatchResponse { Canceled = true, CompactRevision = 3, CancelReason = "etcdserver: mvcc: required revision has been compacted" };
        Assert.Same(created, Ns.ToClient(created));
        Assert.Same(canceled, Ns.ToClient(canceled));
    }

    private static KeyValue Kv(string key, string value, long revision) => new()
    {
        Key = Key(key), Value = ByteString.CopyFromUtf8(value), ModRevision = revision, CreateRevision = 2, Version = 1,
    };
}
