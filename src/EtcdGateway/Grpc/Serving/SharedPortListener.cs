using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace EtcdGateway.Grpc.Serving;

/// <summary>What Kestrel accepts from for one protocol: the connections <see cref="SharedPortTransport"/> judged to be that protocol.</summary>
internal sealed class SharedPortListener(SharedPortEndPoint endPoint) : IConnectionListener
{
    private readonly Channel<ConnectionContext> _accepted = Channel.CreateUnbounded<ConnectionContext>(new UnboundedChannelOptions { SingleReader = false });

    public EndPoint EndPoint => endPoint;

    /// <summary>Queues a connection for Kestrel; false (and the caller closes it) once this listener is unbound.</summary>
    public bool Offer(ConnectionContext connection) => _accepted.Writer.TryWrite(connection);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // Unbound: null tells Kestrel this listener is done.
            return null;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _accepted.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _accepted.Writer.TryComplete();

        // Connections that were judged but never picked up by Kestrel: close them, nobody else will.
        while (_accepted.Reader.TryRead(out var leftover))
        {
            await leftover.DisposeAsync();
        }
    }
}
