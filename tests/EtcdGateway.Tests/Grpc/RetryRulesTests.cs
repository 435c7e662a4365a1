using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Upstream;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc;

/// <summary>Only calls that never reached a member, or that etcd's own client would repeat, go to another member.</summary>
public class RetryRulesTests
{
    [Fact]
    public void A_Dial_Failure_Anywhere_In_The_Chain_Means_Never_Reached()
    {
        var dial = new DialException("dial tcp 127.0.0.1:2379: connection refused", DialFault.Endpoint);
        var wrapped = new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call", new HttpRequestException("refused", dial)));
        Assert.Same(dial, RetryRules.NeverReached(wrapped));
        Assert.Null(RetryRules.NeverReached(new RpcException(new Status(StatusCode.Unavailable, "etcdserver: leader changed"))));
        Assert.Null(RetryRules.NeverReached(new RpcException(new Status(StatusCode.Internal, "x", new HttpRequestException("refused", dial)))));
    }

    [Theory]
    [InlineData("/etcdserverpb.KV/Range", true)]
    [InlineData("/etcdserverpb.Maintenance/Snapshot", true)]
    [InlineData("/etcdserverpb.Lease/LeaseGrant", true)]
    [InlineData("/etcdserverpb.KV/Put", false)]
    [InlineData("/etcdserverpb.KV/Txn", false)]
    [InlineData("/etcdserverpb.Maintenance/Defragment", false)]
    [InlineData("/v3lockpb.Lock/Lock", false)]
    public void Repeatable_As_Etcds_Client_Says(string method, bool repeatable)
    {
        Assert.Equal(repeatable, RetryRules.IsRepeatable(method));
        Assert.Equal(repeatable, RetryRules.MayRepeat(method, new RpcException(new Status(StatusCode.Unavailable, "etcdserver: request timed out"))));
        Assert.False(RetryRules.MayRepeat(method, new RpcException(new Status(StatusCode.DeadlineExceeded, "deadline"))));
    }
}
