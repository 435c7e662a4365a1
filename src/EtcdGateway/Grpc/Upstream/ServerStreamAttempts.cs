using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// A server stream from the cluster (Snapshot, Observe) that starts on another member when the first attempt fails
/// before anything arrived and <see cref="CallAttempts"/> allows it; once a message has been passed on, a failure is the
/// client's to see.
/// </summary>
internal sealed class ServerStreamAttempts<TRequest, TResponse>(
    Method<TRequest, TResponse> method, TRequest request, CallOptions options, CallAttempts attempts, MemberChannels members) : IAsyncStreamReader<TResponse>, IDisposable
    where TRequest : class
    where TResponse : class
{
    private AsyncServerStreamingCall<TResponse>? _current;
    private Endpoint? _endpoint;
    private bool _received;

    public TResponse Current => _current!.ResponseStream.Current;

    public Status Status => _current?.GetStatus() ?? Status.DefaultSuccess;

    public Metadata Trailers => _current?.GetTrailers() ?? [];

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_current is null)
            {
                _endpoint = attempts.Next();
                _current = members.For(_endpoint).AsyncServerStreamingCall(method, null, options, request);
            }

            try
            {
                var more = await _current.ResponseStream.MoveNext(cancellationToken);
                if (!_received)
                {
                    _received = true;
                    attempts.Succeeded(_endpoint!);
                }

                return more;
            }
            catch (RpcException e)
            {
                if (_received)
                {
                    throw attempts.Final(e);
                }

                if (attempts.AfterFailure(_endpoint!, e, RetryRules.IsRepeatable(method.FullName)) is { } error)
                {
                    throw error;
                }

                _current.Dispose();
                _current = null;
            }
        }
    }

    public void Dispose() => _current?.Dispose();
}
