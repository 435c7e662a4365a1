using EtcdGateway.Grpc.Namespace;
using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using EtcdGateway.Protos.V3electionpb;
using EtcdGateway.Protos.V3lockpb;
using static EtcdGateway.Tests.Grpc.Namespace.Latin1;

namespace EtcdGateway.Tests.Grpc.Namespace;

/// <summary>Without <c>--namespace</c> every service still goes through the key space, which then changes nothing and costs nothing.</summary>
public class WholeKeySpaceTests
{
    [Fact]
    public void No_Namespace_Is_The_Whole_Key_Space()
    {
        Assert.Same(KeySpace.Whole, KeySpace.Of(""));
        Assert.False(KeySpace.Whole.IsNamespace);
        Assert.True(KeySpace.Of("ns/").IsNamespace);
    }

    [Fact]
    public void The_Prefix_Is_The_Flags_Utf8_Bytes()
    {
        var sent = KeySpace.Of("ключ/").ToCluster(new PutRequest { Key = Key("a") });
        Assert.Equal("ключ/a"u8.ToArray(), sent.Key.ToByteArray());
    }

    [Fact]
    public void Every_Message_Is_Handed_Back_As_It_Is_Even_One_Without_A_Key()
    {
        var whole = KeySpace.Whole;
        var empty = new RangeRequest();
        var txn = new TxnRequest { Success = { new RequestOp { RequestPut = new PutRequest() } } };
        var watch = new WatchRequest { CreateRequest = new WatchCreateRequest() };
        var outside = new RangeResponse { Kvs = { new KeyValue { Key = Key("anything") } } };

        Assert.Same(empty, whole.ToCluster(empty));
        Assert.Same(txn, whole.ToCluster(txn));
        Assert.Same(watch, whole.ToCluster(watch));
        Assert.Same(outside, whole.ToClient(outside));
        Assert.True(watch.CreateRequest.Key.IsEmpty);
        Assert.Equal("anything", Text(outside.Kvs[0].Key));

        object[] requests = [new PutRequest(), new DeleteRangeRequest(), new LockRequest(), new UnlockRequest(), new CampaignRequest(),
            new ProclaimRequest(), new LeaderRequest(), new ResignRequest()];
        object[] sent = [whole.ToCluster((PutRequest)requests[0]), whole.ToCluster((DeleteRangeRequest)requests[1]),
            whole.ToCluster((LockRequest)requests[2]), whole.ToCluster((UnlockRequest)requests[3]), whole.ToCluster((CampaignRequest)requests[4]),
            whole.ToCluster((ProclaimRequest)requests[5]), whole.ToCluster((LeaderRequest)requests[6]), whole.ToCluster((ResignRequest)requests[7])];
        Assert.All(requests.Zip(sent), pair => Assert.Same(pair.First, pair.Second));

        object[] answers = [new PutResponse(), new DeleteRangeResponse(), new TxnResponse(), new WatchResponse(), new LeaseTimeToLiveResponse(),
            new LockResponse(), new CampaignResponse(), new LeaderResponse()];
        object[] shown = [whole.ToClient((PutResponse)answers[0]), whole.ToClient((DeleteRangeResponse)answers[1]),
            whole.ToClient((TxnResponse)answers[2]), whole.ToClient((WatchResponse)answers[3]), whole.ToClient((LeaseTimeToLiveResponse)answers[4]),
            whole.ToClient((LockResponse)answers[5]), whole.ToClient((CampaignResponse)answers[6]), whole.ToClient((LeaderResponse)answers[7])];
        Assert.All(answers.Zip(shown), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void Translating_Without_A_Namespace_Allocates_Nothing()
    {
        var whole = KeySpace.Whole;
        var range = new RangeRequest { Key = Key("a") };
        var answer = new RangeResponse { Kvs = { new KeyValue { Key = Key("a") } } };
        var watch = new WatchResponse { Events = { new Event { Kv = new KeyValue { Key = Key("a") } } } };
        Translate(whole, range, answer, watch);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Translate(whole, range, answer, watch);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The same loop through a namespace does allocate: the measurement can see it.
        var ns = KeySpace.Of("ns/");
        var withPrefix = new RangeResponse { Kvs = { new KeyValue { Key = Key("ns/a") } } };
        before = GC.GetAllocatedBytesForCurrentThread();
        Translate(ns, range, withPrefix, watch);
        Assert.NotEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Translate(KeySpace space, RangeRequest range, RangeResponse answer, WatchResponse watch)
    {
        space.ToCluster(range);
        space.ToClient(answer);
        space.ToClient(watch);
    }
}
