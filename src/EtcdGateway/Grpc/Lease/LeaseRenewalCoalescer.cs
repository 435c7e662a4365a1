using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// Turns the keep-alives of many clients into few renewals on the cluster, one lease at a time:
/// <list type="bullet">
/// <item>a keep-alive for a lease with a renewal in flight waits for that renewal's answer;</item>
/// <item>one that comes within <see cref="ReuseWindow"/> of the cluster's last answer gets that answer;</item>
/// <item>any other sends a renewal (<paramref name="renew"/>) and waits for it.</item>
/// </list>
/// Every keep-alive is answered once, with the cluster's own response (ID, TTL, header; TTL 0 for a lease that no longer
/// exists, as a member answers). Nothing is renewed but on a client's keep-alive, and never with an answer older than the
/// keep-alive it answers by more than the window, so a lease that no client keeps alive any more ends at most its TTL
/// after the last client keep-alive, as it would without the proxy (etcd's proxy renews on its own for up to a TTL
/// more: etcd-io/etcd#13031). The answers are matched to leases by ID, so one stream to the cluster carries them all.
/// </summary>
internal sealed class LeaseRenewalCoalescer(TimeProvider time, Action<long> renew, LeaseKeepAliveMetrics metrics)
{
    /// <summary>The longest an answer is given again; shorter for short TTLs (a tenth of the TTL).</summary>
    public static readonly TimeSpan LongestReuse = TimeSpan.FromMilliseconds(500);

    private readonly System.Threading.Lock _lock = new();
    private readonly Dictionary<long, LeaseRenewal> _leases = [];

    /// <summary>Leases a client kept alive within their TTL, or that wait for an answer.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _leases.Count;
            }
        }
    }

    /// <summary>How long after the cluster's answer with <paramref name="ttl"/> seconds a client's keep-alive may get the same answer.</summary>
    public static TimeSpan ReuseWindow(long ttl) =>
        ttl > 0 && TimeSpan.FromSeconds(ttl) / 10 < LongestReuse ? TimeSpan.FromSeconds(ttl) / 10 : LongestReuse;

    /// <summary>A client's keep-alive for <paramref name="lease"/>; <paramref name="waiter"/> gets its answer, now or later.</summary>
    public void KeepAlive(long lease, IKeepAliveWaiter waiter)
    {
        LeaseKeepAliveResponse? reused = null;
        var send = false;
        metrics.KeepAliveReceived();
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (!_leases.TryGetValue(lease, out var renewal))
            {
                _leases[lease] = renewal = new LeaseRenewal();
                metrics.LeasesChanged(1);
            }

            renewal.RequestedAt = now;
            if (renewal.InFlight)
            {
                renewal.Waiting.Add(waiter);
            }
            else if (renewal.LastAnswer is { } last && time.GetElapsedTime(renewal.AnsweredAt, now) < ReuseWindow(last.TTL))
            {
                reused = last;
            }
            else
            {
                renewal.Waiting.Add(waiter);
                renewal.InFlight = send = true;
            }
        }

        if (reused is not null)
        {
            waiter.Answer(reused);
        }
        else if (send)
        {
            metrics.RenewalSent();
            renew(lease);
        }
    }

    /// <summary>The cluster answered a renewal: every client waiting on the lease gets the answer.</summary>
    public void Answered(LeaseKeepAliveResponse response)
    {
        List<IKeepAliveWaiter> waiting;
        lock (_lock)
        {
            if (!_leases.TryGetValue(response.ID, out var renewal))
            {
                // Nobody asks about the lease any more (a renewal sent again after a move, answered twice).
                return;
            }

            renewal.InFlight = false;
            renewal.LastAnswer = response;
            renewal.AnsweredAt = time.GetTimestamp();
            waiting = [.. renewal.Waiting];
            renewal.Waiting.Clear();
        }

        foreach (var waiter in waiting)
        {
            waiter.Answer(response);
        }
    }

    /// <summary>The lease was revoked: its next keep-alive goes to the cluster, not to the answer from before.</summary>
    public void Forget(long lease)
    {
        lock (_lock)
        {
            if (_leases.TryGetValue(lease, out var renewal))
            {
                renewal.LastAnswer = null;
            }
        }
    }

    /// <summary>
    /// The stream to the cluster ended with <paramref name="error"/>, losing the renewals in flight: the clients waiting on
    /// them get the error, as each would have on its own stream to the member; the next keep-alive sends a renewal anew.
    /// </summary>
    public void Failed(RpcException error)
    {
        var waiting = new List<IKeepAliveWaiter>();
        lock (_lock)
        {
            foreach (var renewal in _leases.Values)
            {
                waiting.AddRange(renewal.Waiting);
                renewal.Waiting.Clear();
                renewal.InFlight = false;
            }
        }

        foreach (var waiter in waiting)
        {
            waiter.Fail(error);
        }
    }

    /// <summary>
    /// Forgets the leases no client kept alive within their TTL (by then the cluster has let them go too) and those that
    /// no longer exist once their answer may not be given again; returns how many are left.
    /// </summary>
    public int Sweep()
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            var gone = new List<long>();
            foreach (var (lease, renewal) in _leases)
            {
                var ttl = renewal.LastAnswer?.TTL ?? 0;
                var kept = ttl > 0 ? TimeSpan.FromSeconds(ttl) : ReuseWindow(ttl);
                if (!renewal.InFlight && time.GetElapsedTime(renewal.RequestedAt, now) >= kept && time.GetElapsedTime(renewal.AnsweredAt, now) >= ReuseWindow(ttl))
                {
                    gone.Add(lease);
                }
            }

            foreach (var lease in gone)
            {
                _leases.Remove(lease);
            }

            metrics.LeasesChanged(-gone.Count);
            return _leases.Count;
        }
    }

    /// <summary>Forgets every lease (the stream's clients are all gone).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            metrics.LeasesChanged(-_leases.Count);
            _leases.Clear();
        }
    }
}
