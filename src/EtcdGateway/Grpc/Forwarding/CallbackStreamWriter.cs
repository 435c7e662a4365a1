using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// The responses of a stream the proxy opens on its own behalf, as a relay writes a client's: each handed to
/// <paramref name="received"/>, which must not wait (it runs on the relay's loop).
/// </summary>
internal sealed class CallbackStreamWriter<T>(Action<T> received) : IServerStreamWriter<T>
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message)
    {
        received(message);
        return Task.CompletedTask;
    }

    /// <summary>Nothing to wait for, so nothing to cancel (the interface's default refuses a cancellable token).</summary>
    public Task WriteAsync(T message, CancellationToken cancellationToken) => WriteAsync(message);
}
