using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Lease;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Tests.Grpc.Lease;

/// <summary>A client's keep-alive stream through the proxy, and what a move sends again.</summary>
public class KeepAliveStreamStateTests
{
    private readonly KeepAliveStreamState _state = new();
    private readonly StreamOutput<LeaseKeepAliveRequest, LeaseKeepAliveResponse> _output = new();

    [Fact]
    public void Requests_And_Answers_Pass_Unchanged()
    {
        var request = new LeaseKeepAliveRequest { ID = 1 };
        _state.FromClient(request, _output);
        var answer = new LeaseKeepAliveResponse { ID = 1, TTL = 30 };
        _state.FromMember(answer, _output);

        Assert.Same(request, Assert.Single(_output.ToMember));
        Assert.Same(answer, Assert.Single(_output.ToClient));
    }

    [Fact]
    public void A_Move_Sends_Again_The_Latest_Unanswered_Keep_Alive_Of_Each_Lease()
    {
        foreach (var id in new long[] { 1, 2, 1, 3, 1, 2 })
        {
            _state.FromClient(new LeaseKeepAliveRequest { ID = id }, _output);
        }

        // The first two were answered before the member hung.
        _state.FromMember(new LeaseKeepAliveResponse { ID = 1, TTL = 30 }, _output);
        _state.FromMember(new LeaseKeepAliveResponse { ID = 2, TTL = 30 }, _output);
        _output.Clear();

        _state.Resume(_output);

        Assert.Equal([1, 2, 3], _output.ToMember.Select(r => r.ID).Order());
        Assert.Empty(_output.ToClient);
    }

    [Fact]
    public void A_Move_With_Everything_Answered_Sends_Nothing()
    {
        _state.FromClient(new LeaseKeepAliveRequest { ID = 1 }, _output);
        _state.FromMember(new LeaseKeepAliveResponse { ID = 1, TTL = 30 }, _output);
        _output.Clear();

        _state.Resume(_output);

        Assert.Empty(_output.ToMember);
    }

    [Fact]
    public void What_Was_Sent_Again_And_Not_Answered_Is_Sent_Again_At_The_Next_Move()
    {
        _state.FromClient(new LeaseKeepAliveRequest { ID = 4 }, _output);
        _state.Resume(_output);
        _output.Clear();

        _state.Resume(_output);

        Assert.Equal(4, Assert.Single(_output.ToMember).ID);
    }
}
