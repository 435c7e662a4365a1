using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// The member's side of a bidirectional stream made through <see cref="ClusterCallInvoker"/> (the proxy's own short
/// keep-alive streams for its registration; clients' Watch and LeaseKeepAlive streams go through
/// <see cref="MemberStreams"/>, which moves them): messages pass as they are; a failure is reported through <see cref="CallAttempts"/> (a refused connection takes the member out of rotation,
/// so the client's retry goes elsewhere) and reaches the client as Unavailable when the proxy ended the stream.
/// </summary>
internal sealed class DuplexResponseReader<TResponse>(IAsyncStreamReader<TResponse> upstream, Endpoint endpoint, CallAttempts attempts) : IAsyncStreamReader<TResponse>
{
    private bool _received;

    public TResponse Current => upstream.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        try
        {
            var more = await upstream.MoveNext(cancellationToken);
            if (!_received)
            {
                _received = true;
                attempts.Succeeded(endpoint);
            }

            return more;
        }
        catch (RpcException e)
        {
            // Nothing already sent can be replayed on another member, so the stream is never retried here; the failure
            // still counts against the member, and the client (which retries streams) is told.
            throw _received ? attempts.Final(e) : attempts.AfterFailure(endpoint, e, mayRepeat: false) ?? e;
        }
    }
}
