using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>A client's request stream that counts each message read (<c>grpc_server_msg_received_total</c>).</summary>
internal sealed class CountingStreamReader<T>(IAsyncStreamReader<T> inner, GrpcMethodCounters counters) : IAsyncStreamReader<T>
{
    public T Current => inner.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        // Most reads of a busy stream complete at once: count those without an extra state machine.
        var next = inner.MoveNext(cancellationToken);
        if (!next.IsCompletedSuccessfully)
        {
            return CountWhenDoneAsync(next);
        }

        if (next.Result)
        {
            counters.Received();
        }

        return next;
    }

    private async Task<bool> CountWhenDoneAsync(Task<bool> next)
    {
        var moved = await next;
        if (moved)
        {
            counters.Received();
        }

        return moved;
    }
}
