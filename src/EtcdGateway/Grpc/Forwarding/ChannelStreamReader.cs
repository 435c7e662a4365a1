using System.Threading.Channels;
using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>The requests of a stream the proxy opens on its own behalf, as a relay reads a client's: what the proxy queued, in order.</summary>
internal sealed class ChannelStreamReader<T>(ChannelReader<T> queued) : IAsyncStreamReader<T>
    where T : class
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true");

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        while (await queued.WaitToReadAsync(cancellationToken))
        {
            if (queued.TryRead(out var next))
            {
                _current = next;
                return true;
            }
        }

        return false;
    }
}
