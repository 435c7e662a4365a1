using EtcdGateway.Grpc.Forwarding;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// One client's LeaseKeepAlive stream as the proxy keeps it, so that it can go on with another member. etcd answers a
/// keep-alive stream's requests one at a time, in order, so the requests not yet answered are known; after a move the
/// latest keep-alive of each lease among them is sent again, and its answer (the cluster's TTL) reaches the client. A
/// client whose requests piled up on a hung member gets one answer per lease, which is all etcd's clients need to
/// carry on.
/// </summary>
internal sealed class KeepAliveStreamState : IStreamState<LeaseKeepAliveRequest, LeaseKeepAliveResponse>
{
    private readonly Queue<LeaseKeepAliveRequest> _unanswered = new();

    public void FromClient(LeaseKeepAliveRequest request, StreamOutput<LeaseKeepAliveRequest, LeaseKeepAliveResponse> output)
    {
        _unanswered.Enqueue(request);
        output.ToMember.Add(request);
    }

    public void FromMember(LeaseKeepAliveResponse response, StreamOutput<LeaseKeepAliveRequest, LeaseKeepAliveResponse> output)
    {
        _unanswered.TryDequeue(out _);
        output.ToClient.Add(response);
    }

    public void Resume(StreamOutput<LeaseKeepAliveRequest, LeaseKeepAliveResponse> output)
    {
        var latest = new Dictionary<long, LeaseKeepAliveRequest>();
        foreach (var request in _unanswered)
        {
            latest[request.ID] = request;
        }

        _unanswered.Clear();
        foreach (var request in latest.Values)
        {
            FromClient(request, output);
        }
    }
}
