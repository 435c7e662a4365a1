using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// Moves the messages of a streaming call between the client and the member, in order, unchanged or each through a
/// translation (the key space's, for a namespace) given by the service. A bidirectional
/// stream runs two independent directions, as etcd's own streams do: the client half-closing its side (etcdctl watch
/// after its last request, a Go client's CloseSend) is passed on, and the member's responses keep flowing until the member
/// ends the stream or the client goes away.
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

    /// <summary>
    /// Both directions of a bidirectional stream. Ends when the member's side ends (with its status for the client) or
    /// either side fails; the client → member direction is then stopped.
    /// </summary>
    public static Task DuplexAsync<TRequest, TResponse>(
        AsyncDuplexStreamingCall<TRequest, TResponse> member, IAsyncStreamReader<TRequest> fromClient, IServerStreamWriter<TResponse> toClient, CancellationToken cancellationToken) =>
        DuplexAsync(member, fromClient, Unchanged, toClient, Unchanged, cancellationToken);

    /// <summary>
    /// As <see cref="DuplexAsync{TRequest, TResponse}(AsyncDuplexStreamingCall{TRequest, TResponse}, IAsyncStreamReader{TRequest}, IServerStreamWriter{TResponse}, CancellationToken)"/>,
    /// each request translated for the member and each response for the client.
    /// </summary>
    public static async Task DuplexAsync<TRequest, TResponse>(
        AsyncDuplexStreamingCall<TRequest, TResponse> member, IAsyncStreamReader<TRequest> fromClient, Func<TRequest, TRequest> forMember,
        IServerStreamWriter<TResponse> toClient, Func<TResponse, TResponse> forClient, CancellationToken cancellationToken)
    {
        using var stopRequests = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var requests = ForwardRequestsAsync(member.RequestStream, fromClient, forMember, stopRequests.Token);
        try
        {
            await ServerStreamAsync(member.ResponseStream, toClient, forClient, cancellationToken);
        }
        finally
        {
            await stopRequests.CancelAsync();
            await requests;
        }
    }

    /// <summary>Client → member; the client's end of stream becomes the member's. Never throws: the other direction reports.</summary>
    private static async Task ForwardRequestsAsync<TRequest>(
        IClientStreamWriter<TRequest> toMember, IAsyncStreamReader<TRequest> fromClient, Func<TRequest, TRequest> forMember, CancellationToken cancellationToken)
    {
        try
        {
            while (await fromClient.MoveNext(cancellationToken))
            {
                await toMember.WriteAsync(forMember(fromClient.Current), cancellationToken);
            }

            await toMember.CompleteAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The stream is over on one side or the other; the member → client direction carries the outcome.
        }
    }

    private static T Unchanged<T>(T message) => message;
}
