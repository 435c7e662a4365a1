using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Upstream;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// The proxy's keep-alive streams to the cluster, one per set of credentials its clients send (<see cref="KeepAliveCredentials"/>:
/// without auth, one for all). A client's keep-alive stream joins one for as long as it is open. Once a second, the leases
/// nobody kept alive within their TTL are forgotten, and a stream with neither clients nor leases left is closed.
/// </summary>
internal sealed class SharedKeepAliveStreams : IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly MemberStreams _members;
    private readonly LeaseKeepAliveMetrics _metrics;
    private readonly System.Threading.Lock _lock = new();
    private readonly Dictionary<KeepAliveCredentials, SharedKeepAliveStream> _streams = [];
    private readonly ITimer _sweep;

    public SharedKeepAliveStreams(MemberStreams members, LeaseKeepAliveMetrics metrics)
    {
        _members = members;
        _metrics = metrics;
        _sweep = members.Time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    /// <summary>The shared stream for a client that sends <paramref name="credentials"/>; give it back with <see cref="Leave"/>.</summary>
    public SharedKeepAliveStream Join(KeepAliveCredentials credentials)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(credentials, out var shared))
            {
                _streams[credentials] = shared = new SharedKeepAliveStream(_members, credentials, _metrics);
            }

            shared.Clients++;
            _metrics.ClientStreamsChanged(1);
            return shared;
        }
    }

    /// <summary>A client's stream ended. The shared stream stays while its leases do, for clients that come back.</summary>
    public void Leave(SharedKeepAliveStream shared)
    {
        lock (_lock)
        {
            shared.Clients--;
            _metrics.ClientStreamsChanged(-1);
        }
    }

    /// <summary>A lease was revoked through the proxy: no keep-alive for it is answered with an answer from before.</summary>
    public void Revoked(long lease)
    {
        lock (_lock)
        {
            foreach (var shared in _streams.Values)
            {
                shared.Leases.Forget(lease);
            }
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        lock (_lock)
        {
            foreach (var shared in _streams.Values)
            {
                shared.Dispose();
            }

            _streams.Clear();
        }
    }

    private void Sweep()
    {
        lock (_lock)
        {
            foreach (var (credentials, shared) in _streams.ToList())
            {
                if (shared.Leases.Sweep() == 0 && shared.Clients == 0)
                {
                    _streams.Remove(credentials);
                    shared.Dispose();
                }
            }
        }
    }
}
