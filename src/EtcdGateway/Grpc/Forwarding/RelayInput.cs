namespace EtcdGateway.Grpc.Forwarding;

/// <summary>What happened on one side of a relayed stream, as the relay's loop takes it from its one queue.</summary>
internal readonly record struct RelayInput<TRequest, TResponse>(RelayInputKind Kind, int Call, TRequest? Request, TResponse? Response, Exception? Error)
    where TRequest : class
    where TResponse : class
{
    public static RelayInput<TRequest, TResponse> FromClient(TRequest request) => new(RelayInputKind.ClientRequest, 0, request, null, null);

    public static RelayInput<TRequest, TResponse> ClientEnded() => new(RelayInputKind.ClientEnded, 0, null, null, null);

    public static RelayInput<TRequest, TResponse> FromMember(int call, TResponse response) => new(RelayInputKind.MemberResponse, call, null, response, null);

    /// <summary>The member's call <paramref name="call"/> ended: cleanly (no error) or with <paramref name="error"/>.</summary>
    public static RelayInput<TRequest, TResponse> MemberEnded(int call, Exception? error) => new(RelayInputKind.MemberEnded, call, null, null, error);
}
