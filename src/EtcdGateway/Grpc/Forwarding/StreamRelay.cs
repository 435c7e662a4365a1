using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// Moves the messages of a server stream (Snapshot, election Observe) from the member to the client, in order, unchanged
/// or each through a translation (the key space's, for a namespace) given by the service. Bidirectional streams (Watch,
/// LeaseKeepAlive) outlive their member and go through <see cref="MovableStreamRelay{TRequest, TResponse}"/> instead.
/// </summary>
internal static class StreamRelay
{
    /// <summary>Member → client until the member ends the stream; its error, if any, is thrown for the client to get.</summary>
    public static Task ServerStreamAsync<TResponse>(IAsyncStreamReader<TResponse> fromMember, IServerStreamWriter<TResponse> toClient, CancellationToken cancellationToken) =>
        ServerStreamAsync(fromMember, toClient, Unchanged, cancellationToken);

    /// <summary>As <see cref="ServerStreamAsync{TResponse}(IAsyncStreamReader{TResponse}, IServerStreamWriter{TResponse}, CancellationToken)"/>, each response translated for the client.</summary>
    public static async Task ServerStreamAsync<TResponse>(
        IAsyncStreamReader<TResponse> fromMember, IServerStreamWriter<TResponse> toClient, Func<TResponse, TResponse> forClient, CancellationToken cancellationToken)
    {
        while (await fromMember.MoveNext(cancellationToken))
        {
            await toClient.WriteAsync(forClient(fromMember.Current), cancellationToken);
        }
    }

    private static T Unchanged<T>(T message) => message;
}
