using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Discovery;

/// <summary>
/// Keeps the endpoint set in step with DNS: asks again when the answers expire (their TTL, clamped to
/// <see cref="MinimumInterval"/>…<see cref="MaximumInterval"/>) and applies the result live. New targets join; vanished
/// ones get no new connections while their open connections finish. When DNS fails, the last good set stays.
/// </summary>
internal sealed class SrvEndpointRefresher(SrvDiscovery discovery, EndpointSetUpdater updater, EndpointRegistry registry, JsonLogger logger, TimeProvider time)
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaximumInterval = TimeSpan.FromMinutes(5);

    public const string Source = "dns-srv";

    /// <summary>How long to wait before asking again, for answers that may be cached for <paramref name="ttl"/>.</summary>
    public static TimeSpan NextInterval(TimeSpan ttl) => ttl < MinimumInterval ? MinimumInterval : ttl > MaximumInterval ? MaximumInterval : ttl;

    public async Task RunAsync(TimeSpan firstTtl, CancellationToken ct)
    {
        var wait = NextInterval(firstTtl);
        var failing = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, time, ct);
                var result = await discovery.DiscoverAsync(ct);
                updater.Replace(result.Endpoints, Source);
                if (failing)
                {
                    logger.Info("SRV discovery answers again", [new("endpoints", result.Endpoints.Select(e => e.Name).ToArray())]);
                    failing = false;
                }

                wait = NextInterval(result.Ttl);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (SrvDiscoveryException e)
            {
                failing = true;
                logger.Warn("SRV discovery failed; keeping the last good endpoint set", [
                    LogField.Error(e), new("endpoints", registry.Current.Statuses.Select(s => s.Endpoint.Name).ToArray()),
                    new("retry-in", MinimumInterval)]);
                wait = MinimumInterval;
            }
            catch (Exception e)
            {
                // A background loop must never take the gateway down; log it and try again later.
                failing = true;
                logger.Error("unexpected error in SRV discovery; keeping the last good endpoint set", [.. LogField.Unexpected(e)]);
                wait = MinimumInterval;
            }
        }
    }
}
