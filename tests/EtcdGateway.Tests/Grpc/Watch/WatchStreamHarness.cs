using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Grpc.Watch;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>A <see cref="WatchStreamState"/> driven as the relay drives it, keeping what each step sent each way.</summary>
internal sealed class WatchStreamHarness
{
    private readonly WatchStreamState _state = new();
    private readonly StreamOutput<WatchRequest, WatchResponse> _output = new();

    public List<WatchRequest> ToMember { get; } = [];

    public List<WatchResponse> ToClient { get; } = [];

    /// <summary>The client sends <paramref name="request"/>; returns what the step sent the member.</summary>
    public List<WatchRequest> Client(WatchRequest request) => Step(() => _state.FromClient(request, _output)).Member;

    /// <summary>The member answers <paramref name="response"/>; returns what the step sent the client.</summary>
    public List<WatchResponse> Member(WatchResponse response) => Step(() => _state.FromMember(response, _output)).Client;

    /// <summary>The stream moves to another member; returns what the step sent each way.</summary>
    public (List<WatchRequest> Member, List<WatchResponse> Client) Move() => Step(() => _state.Resume(_output));

    /// <summary>A client create (id 0 unless given) answered by the member at <paramref name="revision"/>; returns the member watch id used.</summary>
    public long CreateWatcher(long id = 0, long start = 0, long revision = 10)
    {
        var create = Assert.Single(Client(WatchMessagesForTests.Create(id, start)));
        var memberWatchId = create.CreateRequest.WatchId;
        Member(WatchMessagesForTests.Created(memberWatchId, revision));
        return memberWatchId;
    }

    private (List<WatchRequest> Member, List<WatchResponse> Client) Step(Action step)
    {
        step();
        var sent = (new List<WatchRequest>(_output.ToMember), new List<WatchResponse>(_output.ToClient));
        ToMember.AddRange(_output.ToMember);
        ToClient.AddRange(_output.ToClient);
        _output.Clear();
        return sent;
    }
}
