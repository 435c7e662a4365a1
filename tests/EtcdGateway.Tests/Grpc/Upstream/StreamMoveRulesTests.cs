using EtcdGateway.Grpc.Upstream;
using Grpc.Core;

namespace EtcdGateway.Tests.Grpc.Upstream;

/// <summary>Which failures of a Watch or LeaseKeepAlive stream move it to another member, and which reach the client.</summary>
public class StreamMoveRulesTests
{
    [Theory]
    [InlineData(StatusCode.Unavailable, "error reading from server: EOF", false, true)]
    [InlineData(StatusCode.Unavailable, "etcdserver: server stopped", true, true)]
    [InlineData(StatusCode.Cancelled, "etcdserver: watch canceled", false, true)]
    [InlineData(StatusCode.Unavailable, "etcdserver: no leader", true, false)]
    [InlineData(StatusCode.Unavailable, "etcdserver: no leader", false, true)]
    [InlineData(StatusCode.PermissionDenied, "etcdserver: permission denied", false, false)]
    [InlineData(StatusCode.InvalidArgument, "etcdserver: key is not provided", false, false)]
    [InlineData(StatusCode.Unauthenticated, "etcdserver: invalid auth token", false, false)]
    [InlineData(StatusCode.DeadlineExceeded, "context deadline exceeded", false, false)]
    [InlineData(StatusCode.Internal, "stream reset", false, false)]
    public void A_Failure_Moves_The_Stream_Only_When_It_Is_The_Members(StatusCode code, string detail, bool requiresLeader, bool moves) =>
        Assert.Equal(moves, RetryRules.MovesStream(new RpcException(new Status(code, detail)), requiresLeader));

    [Fact]
    public void A_Broken_Connection_Under_An_Internal_Error_Moves_The_Stream() =>
        Assert.True(RetryRules.MovesStream(new RpcException(new Status(StatusCode.Internal, "Error reading next message.", new IOException("connection reset"))), false));

    [Fact]
    public void A_Failure_Outside_gRPC_Moves_The_Stream() =>
        Assert.True(RetryRules.MovesStream(new IOException("broken pipe"), false));
}
