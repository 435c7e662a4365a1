namespace EtcdGateway.Grpc.Forwarding;

/// <summary>The kinds of <see cref="RelayInput{TRequest, TResponse}"/>.</summary>
internal enum RelayInputKind
{
    /// <summary>The client sent a request.</summary>
    ClientRequest,

    /// <summary>The client half-closed its side: it sends nothing more but still reads.</summary>
    ClientEnded,

    /// <summary>The member sent a response.</summary>
    MemberResponse,

    /// <summary>The member's call ended.</summary>
    MemberEnded,
}
