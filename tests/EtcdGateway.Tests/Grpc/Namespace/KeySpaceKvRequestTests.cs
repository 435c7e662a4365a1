using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>KV requests through <c>--namespace=ns/</c>: what the cluster is asked.</summary>
public class KeySpaceKvRequestTests
{
    private static readonly KeySpace Ns = KeySpace.Of("ns/");

    [Fact]
    public void Range_Of_One_Key_Asks_For_The_Prefixed_Key_With_Every_Other_Option_Kept()
    {
        var request = new RangeRequest
        {
            Key = Key("a"), Limit = 7, Revision = 9, Serializable = true, KeysOnly = true, CountOnly = false,
            SortOrder = RangeRequest.Types.SortOrder.Descend, SortTarget = RangeRequest.Types.SortTarget.Mod,
            MinModRevision = 1, MaxModRevision = 2, MinCreateRevision = 3, MaxCreateRevision = 4,
        };

        var sent = Ns.ToCluster(request);

        Assert.Equal("ns/a", Text(sent.Key));
        Assert.True(sent.RangeEnd.IsEmpty);
        var expected = request.Clone();
        expected.Key = Key("ns/a");
        Assert.Equal(expected, sent);
    }

    [Fact]
    public void Range_Between_Two_Keys_Prefixes_Both()
    {
        var sent = Ns.ToCluster(new RangeRequest { Key = Key("a"), RangeEnd = Key("c") });
        Assert.Equal(("ns/a", "ns/c"), (Text(sent.Key), Text(sent.RangeEnd)));
    }

    [Fact]
    public void Range_From_A_Key_Ends_At_The_End_Of_The_Namespace_Not_Of_The_Cluster()
    {
        // etcdctl get a --from-key: range_end "\0".
        var sent = Ns.ToCluster(new RangeRequest { Key = Key("a"), RangeEnd = Key("\0") });
        Assert.Equal(("ns/a", "ns0"), (Text(sent.Key), Text(sent.RangeEnd)));
    }

    [Fact]
    public void Range_Of_Every_Key_Is_Every_Key_Of_The_Namespace()
    {
        // etcdctl get "" --prefix and get "" --from-key both send key "\0", range_end "\0".
        var sent = Ns.ToCluster(new RangeRequest { Key = Key("\0"), RangeEnd = Key("\0") });
        Assert.Equal(("ns/\0", "ns0"), (Text(sent.Key), Text(sent.RangeEnd)));
    }

    [Fact]
    public void Range_Of_Every_Key_Under_A_Prefix_Of_Only_0xFF_Runs_To_The_End_Of_The_Key_Space()
    {
        var sent = KeySpace.Of(Key("\xFF\xFF")).ToCluster(new RangeRequest { Key = Key("\0"), RangeEnd = Key("\0") });
        Assert.Equal(("\xFF\xFF\0", "\0"), (Text(sent.Key), Text(sent.RangeEnd)));
    }

    [Fact]
    public void Range_Under_A_Prefix_Ending_In_0xFF_Ends_Before_The_Next_Key_Outside()
    {
        var sent = KeySpace.Of(Key("a\xFF")).ToCluster(new RangeRequest { Key = Key("x"), RangeEnd = Key("\0") });
        Assert.Equal(("a\xFFx", "b"), (Text(sent.Key), Text(sent.RangeEnd)));
    }

    [Fact]
    public void The_Clients_Request_Is_Left_As_It_Was_So_A_Retry_Is_Never_Prefixed_Twice()
    {
        var request = new RangeRequest { Key = Key("a"), RangeEnd = Key("\0") };
        var first = Ns.ToCluster(request);
        var second = Ns.ToCluster(request);
        Assert.Equal(("a", "\0"), (Text(request.Key), Text(request.RangeEnd)));
        Assert.Equal(first, second);
        Assert.NotSame(request, first);
    }

    [Fact]
    public void Put_Prefixes_The_Key_And_Keeps_Value_Lease_And_Flags()
    {
        var request = new PutRequest { Key = Key("k"), Value = Key("v"), Lease = 42, PrevKv = true, IgnoreLease = false };
        var sent = Ns.ToCluster(request);
        var expected = request.Clone();
        expected.Key = Key("ns/k");
        Assert.Equal(expected, sent);
    }

    [Fact]
    public void DeleteRange_Prefixes_Key_And_Range_End()
    {
        var sent = Ns.ToCluster(new DeleteRangeRequest { Key = Key("\0"), RangeEnd = Key("\0"), PrevKv = true });
        Assert.Equal(("ns/\0", "ns0", true), (Text(sent.Key), Text(sent.RangeEnd), sent.PrevKv));
    }

    [Theory]
    [InlineData("range")]
    [InlineData("range with an end")]
    [InlineData("put")]
    [InlineData("delete")]
    [InlineData("txn compare")]
    [InlineData("txn success put")]
    [InlineData("txn failure range")]
    [InlineData("nested txn delete")]
    public void A_Missing_Key_Is_Refused_With_Etcds_Error_Instead_Of_Naming_The_Prefix_Alone(string what)
    {
        Action translate = what switch
        {
            "range" => () => Ns.ToCluster(new RangeRequest()),
            "range with an end" => () => Ns.ToCluster(new RangeRequest { RangeEnd = Key("\0") }),
            "put" => () => Ns.ToCluster(new PutRequest { Value = Key("v") }),
            "delete" => () => Ns.ToCluster(new DeleteRangeRequest()),
            "txn compare" => () => Ns.ToCluster(new TxnRequest { Compare = { new Compare { Version = 1 } } }),
            "txn success put" => () => Ns.ToCluster(new TxnRequest { Success = { new RequestOp { RequestPut = new PutRequest() } } }),
            "txn failure range" => () => Ns.ToCluster(new TxnRequest { Failure = { new RequestOp { RequestRange = new RangeRequest() } } }),
            "nested txn delete" => () => Ns.ToCluster(new TxnRequest { Success = { Nested(new RequestOp { RequestDeleteRange = new DeleteRangeRequest() }) } }),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        var e = Assert.Throws<RpcException>(translate);
        Assert.Equal((StatusCode.InvalidArgument, "etcdserver: key is not provided"), (e.StatusCode, e.Status.Detail));
    }

    [Fact]
    public void Txn_Prefixes_Compares_With_Their_Range_Ends_And_Keeps_What_They_Compare()
    {
        var sent = Ns.ToCluster(new TxnRequest
        {
            Compare =
            {
                new Compare { Key = Key("a"), Target = Compare.Types.CompareTarget.Value, Value = Key("1") },
                new Compare { Key = Key("b"), RangeEnd = Key("\0"), Target = Compare.Types.CompareTarget.Mod, ModRevision = 5, Result = Compare.Types.CompareResult.Less },
                new Compare { Key = Key("c"), RangeEnd = Key("d"), Version = 0 },
            },
        });

        Assert.Equal(["ns/a", "ns/b", "ns/c"], sent.Compare.Select(c => Text(c.Key)));
        Assert.Equal(["", "ns0", "ns/d"], sent.Compare.Select(c => Text(c.RangeEnd)));
        Assert.Equal("1", Text(sent.Compare[0].Value));
        Assert.Equal((5L, Compare.Types.CompareResult.Less), (sent.Compare[1].ModRevision, sent.Compare[1].Result));
    }

    [Fact]
    public void Txn_Prefixes_Every_Operation_Of_Both_Branches_At_Every_Depth()
    {
        var sent = Ns.ToCluster(new TxnRequest
        {
            Compare = { new Compare { Key = Key("c"), Version = 0 } },
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = Key("p"), Value = Key("v") } },
                new RequestOp { RequestRange = new RangeRequest { Key = Key("r"), RangeEnd = Key("\0") } },
                Nested(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Key("d"), RangeEnd = Key("e") } }),
            },
            Failure =
            {
                Nested(Nested(new RequestOp { RequestPut = new PutRequest { Key = Key("deep") } })),
            },
        });

        Assert.Equal("ns/p", Text(sent.Success[0].RequestPut.Key));
        Assert.Equal("v", Text(sent.Success[0].RequestPut.Value));
        Assert.Equal(("ns/r", "ns0"), (Text(sent.Success[1].RequestRange.Key), Text(sent.Success[1].RequestRange.RangeEnd)));
        var nested = sent.Success[2].RequestTxn;
        Assert.Equal("ns/c", Text(nested.Compare[0].Key));
        Assert.Equal(("ns/d", "ns/e"), (Text(nested.Success[0].RequestDeleteRange.Key), Text(nested.Success[0].RequestDeleteRange.RangeEnd)));
        Assert.Equal("ns/deep", Text(sent.Failure[0].RequestTxn.Success[0].RequestTxn.Success[0].RequestPut.Key));
    }

    [Fact]
    public void Txn_Leaves_An_Empty_Operation_For_The_Cluster_To_Refuse()
    {
        var sent = Ns.ToCluster(new TxnRequest { Success = { new RequestOp() } });
        Assert.Equal(RequestOp.RequestOneofCase.None, sent.Success[0].RequestCase);
    }

    [Fact]
    public void An_Empty_Txn_Stays_Empty()
    {
        Assert.Equal(new TxnRequest(), Ns.ToCluster(new TxnRequest()));
    }

    // Compare "c" version 0 guards every nested txn: a nested txn's compares are prefixed too.
    private static RequestOp Nested(RequestOp operation) => new()
    {
        RequestTxn = new TxnRequest { Compare = { new Compare { Key = Key("c"), Version = 0 } }, Success = { operation } },
    };
}
