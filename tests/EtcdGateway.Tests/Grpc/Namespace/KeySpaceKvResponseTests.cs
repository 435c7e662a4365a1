using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>KV answers through <c>--namespace=ns/</c>: what the client is shown.</summary>
public class KeySpaceKvResponseTests
{
    private static readonly KeySpace Ns = KeySpace.Of("ns/");

    [Fact]
    public void Range_Shows_Keys_Without_The_Prefix_And_Everything_Else_As_The_Cluster_Sent_It()
    {
        var answer = new RangeResponse
        {
            Header = new ResponseHeader { Revision = 12, ClusterId = 1, MemberId = 2, RaftTerm = 3 },
            Kvs = { Kv("ns/a", "1"), Kv("ns/b/c", "2") },
            More = true,
            Count = 5,
        };

        var shown = Ns.ToClient(answer);

        Assert.Equal(["a", "b/c"], shown.Kvs.Select(kv => Text(kv.Key)));
        var expected = answer.Clone();
        expected.Kvs[0].Key = Key("a");
        expected.Kvs[1].Key = Key("b/c");
        Assert.Equal(expected, shown);
    }

    [Fact]
    public void Range_Never_Shows_A_Key_Outside_The_Namespace()
    {
        var shown = Ns.ToClient(new RangeResponse { Kvs = { Kv("ns/a", "1"), Kv("other", "x"), Kv("ns/", "prefix alone"), Kv("ns0", "y") } });
        Assert.Equal(["a"], shown.Kvs.Select(kv => Text(kv.Key)));
    }

    [Fact]
    public void Range_With_Keys_Only_Shows_Stripped_Keys_Without_Values()
    {
        var shown = Ns.ToClient(new RangeResponse { Kvs = { new KeyValue { Key = Key("ns/a"), ModRevision = 4 } }, Count = 1 });
        Assert.Equal(("a", true, 4L), (Text(shown.Kvs[0].Key), shown.Kvs[0].Value.IsEmpty, shown.Kvs[0].ModRevision));
    }

    [Fact]
    public void Range_With_Count_Only_Is_Handed_Back_As_It_Is()
    {
        var answer = new RangeResponse { Header = new ResponseHeader { Revision = 3 }, Count = 17 };
        Assert.Same(answer, Ns.ToClient(answer));
    }

    [Fact]
    public void The_Clusters_Answer_Is_Left_As_It_Was()
    {
        var answer = new RangeResponse { Kvs = { Kv("ns/a", "1") } };
        var shown = Ns.ToClient(answer);
        Assert.Equal("ns/a", Text(answer.Kvs[0].Key));
        Assert.Equal("a", Text(shown.Kvs[0].Key));
    }

    [Fact]
    public void Put_Shows_The_Previous_Key_Value_Stripped()
    {
        var shown = Ns.ToClient(new PutResponse { PrevKv = Kv("ns/k", "old") });
        Assert.Equal(("k", "old"), (Text(shown.PrevKv.Key), Text(shown.PrevKv.Value)));
    }

    [Fact]
    public void Put_Without_Previous_Key_Value_Is_Handed_Back_As_It_Is()
    {
        var answer = new PutResponse { Header = new ResponseHeader { Revision = 8 } };
        Assert.Same(answer, Ns.ToClient(answer));
    }

    [Fact]
    public void Put_Never_Shows_A_Previous_Key_Outside_The_Namespace()
    {
        Assert.Null(Ns.ToClient(new PutResponse { PrevKv = Kv("other", "x") }).PrevKv);
    }

    [Fact]
    public void DeleteRange_Shows_Previous_Key_Values_Stripped_And_Keeps_The_Count()
    {
        var shown = Ns.ToClient(new DeleteRangeResponse { Deleted = 2, PrevKvs = { Kv("ns/a", "1"), Kv("outside", "2"), Kv("ns/b", "3") } });
        Assert.Equal(["a", "b"], shown.PrevKvs.Select(kv => Text(kv.Key)));
        Assert.Equal(2, shown.Deleted);
    }

    [Fact]
    public void Txn_Strips_Every_Response_At_Every_Depth()
    {
        var answer = new TxnResponse
        {
            Succeeded = true,
            Responses =
            {
                new ResponseOp { ResponseRange = new RangeResponse { Kvs = { Kv("ns/r", "1"), Kv("elsewhere", "2") } } },
                new ResponseOp { ResponsePut = new PutResponse { PrevKv = Kv("ns/p", "old") } },
                new ResponseOp { ResponseDeleteRange = new DeleteRangeResponse { Deleted = 1, PrevKvs = { Kv("ns/d", "gone") } } },
                new ResponseOp
                {
                    ResponseTxn = new TxnResponse
                    {
                        Responses =
                        {
                            new ResponseOp { ResponseTxn = new TxnResponse { Responses = { new ResponseOp { ResponseRange = new RangeResponse { Kvs = { Kv("ns/deep", "3") } } } } } },
                        },
                    },
                },
                new ResponseOp(),
            },
        };

        var shown = Ns.ToClient(answer);

        Assert.True(shown.Succeeded);
        Assert.Equal(["r"], shown.Responses[0].ResponseRange.Kvs.Select(kv => Text(kv.Key)));
        Assert.Equal("p", Text(shown.Responses[1].ResponsePut.PrevKv.Key));
        Assert.Equal("d", Text(shown.Responses[2].ResponseDeleteRange.PrevKvs[0].Key));
        Assert.Equal("deep", Text(shown.Responses[3].ResponseTxn.Responses[0].ResponseTxn.Responses[0].ResponseRange.Kvs[0].Key));
        Assert.Equal(ResponseOp.ResponseOneofCase.None, shown.Responses[4].ResponseCase);
        Assert.Equal("ns/r", Text(answer.Responses[0].ResponseRange.Kvs[0].Key));
    }

    [Fact]
    public void A_Round_Trip_Gives_The_Client_The_Keys_It_Wrote()
    {
        // Keys with the edge bytes, as a client sees them after a put and a get through the namespace.
        foreach (var key in new[] { "a", "\0", "\xFF", "\0\xFF", "/", "ns/" })
        {
            var stored = Ns.ToCluster(new PutRequest { Key = Key(key) }).Key;
            var shown = Ns.ToClient(new RangeResponse { Kvs = { new KeyValue { Key = stored } } });
            Assert.Equal(key, Text(shown.Kvs.Single().Key));
        }
    }

    private static KeyValue Kv(string key, string value) => new()
    {
        Key = Key(key), Value = ByteString.CopyFromUtf8(value), CreateRevision = 2, ModRevision = 3, Version = 1, Lease = 0,
    };
}
