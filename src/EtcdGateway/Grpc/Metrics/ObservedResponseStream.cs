using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>A member's response stream that records how the call ended: OK at its end, the status of the error it ends with otherwise.</summary>
internal sealed class ObservedResponseStream<T>(IAsyncStreamReader<T> inner, UpstreamCallOutcome outcome) : IAsyncStreamReader<T>
{
    public T Current => inner.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        // Messages that are already here complete at once: only an end or an error needs looking at.
        var next = inner.MoveNext(cancellationToken);
        return next.IsCompletedSuccessfully && next.Result ? next : ObserveAsync(next);
    }

    private async Task<bool> ObserveAsync(Task<bool> next)
    {
        try
        {
            var moved = await next;
            if (!moved)
            {
                outcome.Ended(StatusCode.OK);
            }

            return moved;
        }
        catch (Exception e)
        {
            outcome.Ended(UpstreamCallInterceptor.CodeOf(e));
            throw;
        }
    }
}
