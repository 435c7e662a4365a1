namespace EtcdGateway.Grpc.Forwarding;

/// <summary>What one step of a relayed stream sends: to the member and to the client, each in order. Reused between steps.</summary>
internal sealed class StreamOutput<TRequest, TResponse>
{
    public List<TRequest> ToMember { get; } = [];

    public List<TResponse> ToClient { get; } = [];

    public void Clear()
    {
        ToMember.Clear();
        ToClient.Clear();
    }
}
