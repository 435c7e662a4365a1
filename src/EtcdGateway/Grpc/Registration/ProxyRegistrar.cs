using EtcdGateway.Logging;
using Grpc.Core;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// Keeps this proxy registered under <c>--resolver-prefix</c> for as long as it runs, as etcd's proxy does, without leaving
/// a dead proxy listed:
/// <code>
/// grant lease (--resolver-ttl) ──► put PREFIX/ADDR with it ──► renew every TTL/3 ──► stop: revoke (the key goes at once)
///        ▲                                                        │
///        └──── lease gone (expired while the cluster was away, revoked): register again, at most once a second
/// </code>
/// A proxy killed without a chance to revoke leaves the list when its lease expires. A registration key deleted under a
/// live lease is written again at the next renewal.
/// </summary>
internal sealed class ProxyRegistrar
{
    /// <summary>etcd's proxy retries registering at most once a second; repeated failures back off to this.</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>How long revoking may hold up shutdown; if it does not get through, the lease expires on its own.</summary>
    private static readonly TimeSpan RevokeTimeout = TimeSpan.FromSeconds(2);

    private readonly RegistrationCalls _calls;
    private readonly ProxyRegistrationOptions _options;
    private readonly JsonLogger _logger;
    private readonly TimeProvider _time;
    private readonly byte[] _value;

    public ProxyRegistrar(CallInvoker cluster, ProxyRegistrationOptions options, JsonLogger logger, TimeProvider time)
    {
        _calls = new RegistrationCalls(cluster, time);
        _options = options;
        _logger = logger;
        _time = time;
        _value = NamingEndpointValue.Encode(options.AdvertiseClientUrl, options.Name);
    }

    /// <summary>Registers and keeps the registration alive until <paramref name="stopping"/> fires, then revokes it and returns.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var retryDelay = TimeSpan.FromSeconds(1);
        long lease = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // :: Step 1: a new lease and the key under it.
                var started = _time.GetTimestamp();
                (lease, var ttl) = await RegisterAsync(stopping);
                if (lease == 0)
                {
                    await Task.Delay(retryDelay, _time, stopping);
                    retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
                    continue;
                }

                retryDelay = TimeSpan.FromSeconds(1);

                // :: Step 2: renew until the cluster says the lease is gone (or we stop).
                await KeepAliveAsync(lease, ttl, stopping);
                lease = 0;
                _logger.Warn("session expired; possible network partition or server restart", [new("key", _options.Key)]);

                // :: Step 3: register again, but not more than once a second (etcd's rate).
                var wait = TimeSpan.FromSeconds(1) - _time.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, stopping);
                }

                _logger.Warn("creating a new session to rejoin", [new("key", _options.Key)]);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // A fault no one planned for must not end registration unnoticed (or fail the proxy's stop): log it, go on.
                _logger.Error("registration failed unexpectedly; registering again", [new("key", _options.Key), .. LogField.Unexpected(e)]);
                await DelayUnlessStopping(retryDelay, stopping);
            }
        }

        // :: Step 4: leave the list at once rather than after a TTL.
        if (lease != 0)
        {
            await RevokeAsync(lease);
        }
    }

    private async Task DelayUnlessStopping(TimeSpan delay, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(delay, _time, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Grants a lease and writes the key under it; the lease's ID and granted TTL, or ID 0 after logging why not.</summary>
    private async Task<(long Lease, TimeSpan Ttl)> RegisterAsync(CancellationToken stopping)
    {
        long lease = 0;
        try
        {
            var granted = await _calls.GrantAsync(_options.ResolverTtl, stopping);
            lease = granted.ID;
            await _calls.PutAsync(_options.Key, _value, lease, stopping);
            _logger.Info("registered session with lease", [
                new("addr", _options.AdvertiseClientUrl), new("key", _options.Key), new("lease-id", lease.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)),
                new("lease-ttl", granted.TTL)]);
            return (lease, TimeSpan.FromSeconds(granted.TTL));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && lease != 0)
        {
            await RevokeAsync(lease);
            throw;
        }
        catch (Exception e) when (e is RpcException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            _logger.Warn("failed to create a session", [new("key", _options.Key), LogField.Error(e)]);
            if (lease != 0)
            {
                // The key did not land: the lease would only wait out its TTL doing nothing.
                await RevokeAsync(lease);
            }

            return (0, TimeSpan.Zero);
        }
    }

    /// <summary>Renews <paramref name="lease"/> every third of its TTL until the cluster answers that it is gone.</summary>
    private async Task KeepAliveAsync(long lease, TimeSpan ttl, CancellationToken stopping)
    {
        var failures = 0;
        while (true)
        {
            var interval = failures == 0 ? RenewalInterval(ttl) : TimeSpan.FromTicks(Math.Min(RenewalInterval(ttl).Ticks, TimeSpan.TicksPerSecond));
            await Task.Delay(interval, _time, stopping);
            try
            {
                var renewed = await _calls.KeepAliveAsync(lease, Timeout(interval), stopping);
                if (renewed.TTL <= 0)
                {
                    return;
                }

                ttl = TimeSpan.FromSeconds(renewed.TTL);
                if (failures > 0)
                {
                    _logger.Info("renewed registration lease again", [new("key", _options.Key), new("failed-renewals", failures)]);
                    failures = 0;
                }

                if (!await _calls.ExistsAsync(_options.Key, Timeout(interval), stopping))
                {
                    _logger.Warn("registration key was deleted; writing it again", [new("key", _options.Key)]);
                    await _calls.PutAsync(_options.Key, _value, lease, stopping);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                // "requested lease not found": revoked or expired between the renewal and the write.
                return;
            }
            catch (Exception e) when (e is RpcException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
            {
                // A streak is logged once at warn, then quietly, so an outage of minutes does not flood the log.
                failures++;
                if (failures == 1)
                {
                    _logger.Warn("failed to renew registration lease", [new("key", _options.Key), LogField.Error(e)]);
                }
                else
                {
                    _logger.Debug("failed to renew registration lease", [new("key", _options.Key), new("failed-renewals", failures), LogField.Error(e)]);
                }
            }
        }
    }

    private async Task RevokeAsync(long lease)
    {
        try
        {
            using var timeout = new CancellationTokenSource(RevokeTimeout, _time);
            await _calls.RevokeAsync(lease, timeout.Token);
            _logger.Info("revoked registration lease", [new("key", _options.Key)]);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            _logger.Warn("failed to revoke registration lease; the key stays until the lease expires", [new("key", _options.Key), LogField.Error(e)]);
        }
    }

    /// <summary>A third of the TTL, as etcd's client renews, so two renewals may be lost before the lease expires.</summary>
    public static TimeSpan RenewalInterval(TimeSpan ttl) => ttl / 3;

    /// <summary>A renewal that takes longer than its interval is given up and tried again (on another member, if one hangs).</summary>
    private static TimeSpan Timeout(TimeSpan interval) => interval < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : interval;
}
