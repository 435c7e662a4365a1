using System.Text;
using EtcdGateway.Grpc.Cache;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;

namespace EtcdGateway.Tests.Grpc.Cache;

public class WriteFootprintTests
{
    private static ByteString B(string text) => ByteString.CopyFrom(text, Encoding.Latin1);

    [Fact]
    public void A_Txn_Touches_The_Puts_And_Deletes_Of_Both_Branches_At_Every_Depth_And_Not_Its_Reads_Or_Compares()
    {
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = B("compared"), Target = Compare.Types.CompareTarget.Value } },
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = B("put") } },
                new RequestOp { RequestRange = new RangeRequest { Key = B("read") } },
            },
            Failure =
            {
                new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = B("del/"), RangeEnd = B("del0") } },
                new RequestOp
                {
                    RequestTxn = new TxnRequest { Success = { new RequestOp { RequestPut = new PutRequest { Key = B("nested") } } } },
                },
            },
        };

        Assert.Equal(
            [KeyRange.Single(B("put")), new KeyRange(B("del/"), B("del0")), KeyRange.Single(B("nested"))],
            WriteFootprint.Of(txn));
    }

    [Fact]
    public void A_Put_Touches_Its_Key_And_A_DeleteRange_Its_Range()
    {
        Assert.Equal([KeyRange.Single(B("k"))], WriteFootprint.Of(new PutRequest { Key = B("k"), Value = B("v") }));
        Assert.Equal([new KeyRange(B("a"), B("\0"))], WriteFootprint.Of(new DeleteRangeRequest { Key = B("a"), RangeEnd = B("\0") }));
    }
}
