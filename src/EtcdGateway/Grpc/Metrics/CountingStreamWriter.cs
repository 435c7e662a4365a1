using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>A response stream that counts each message written (<c>grpc_server_msg_sent_total</c>) once the write succeeded.</summary>
internal sealed class CountingStreamWriter<T>(IServerStreamWriter<T> inner, GrpcMethodCounters counters) : IServerStreamWriter<T>
{
    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => inner.WriteOptions = value;
    }

    public Task WriteAsync(T message) => Counted(inner.WriteAsync(message));

    public Task WriteAsync(T message, CancellationToken cancellationToken) => Counted(inner.WriteAsync(message, cancellationToken));

    private Task Counted(Task write)
    {
        // A write that fits the transport's buffer completes at once: count it without an extra state machine.
        if (write.IsCompletedSuccessfully)
        {
            counters.Sent();
            return write;
        }

        return CountWhenDoneAsync(write);
    }

    private async Task CountWhenDoneAsync(Task write)
    {
        await write;
        counters.Sent();
    }
}
