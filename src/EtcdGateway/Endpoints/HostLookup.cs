using System.Collections.Immutable;
using System.Net;

namespace EtcdGateway.Endpoints;

/// <summary>Host names to IP addresses through the system resolver, for endpoints named by host (start-up, retries, member lists).</summary>
internal static class HostLookup
{
    /// <summary>Long enough for a slow resolver, short enough that a retry round or a sync is not held up for long.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>An IP literal as it is; a name through the system resolver, in its order, bounded in time.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The name does not resolve.</exception>
    /// <exception cref="OperationCanceledException">The resolver did not answer in time.</exception>
    public static async Task<ImmutableArray<IPAddress>> LookupAsync(string host)
    {
        if (EndpointAddress.TryParseIPLiteral(host, out var literal))
        {
            return [literal!];
        }

        using var timeout = new CancellationTokenSource(Timeout);
        return [.. await Dns.GetHostAddressesAsync(host, timeout.Token)];
    }
}
