namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// What a relayed stream remembers so that it can go on with another member. <see cref="MovableStreamRelay{TRequest, TResponse}"/>
/// hands it every message of both directions in order and, after a move, asks what the new member must be sent; each time
/// it says through the output what goes to the member and what to the client. Called from the relay's one loop only, so
/// it needs no lock. This is also where a later layer (coalescing) can take the messages over.
/// </summary>
internal interface IStreamState<TRequest, TResponse>
{
    /// <summary>A request from the client (already translated for the cluster).</summary>
    void FromClient(TRequest request, StreamOutput<TRequest, TResponse> output);

    /// <summary>A response from the current member (translated for the client after this).</summary>
    void FromMember(TResponse response, StreamOutput<TRequest, TResponse> output);

    /// <summary>The stream now runs on another member, which knows nothing of it yet: what it must be sent, and what the client is owed.</summary>
    void Resume(StreamOutput<TRequest, TResponse> output);
}
