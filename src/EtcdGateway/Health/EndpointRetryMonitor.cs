using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Health;

/// <summary>
/// With health checks off: every <c>--retry-delay</c>, dials each endpoint that is out of rotation and puts back those that answer
/// (etcd's gateway monitor, with the same log lines, plus a dial timeout). A host name is resolved again first
/// (<see cref="HostAddressRefresher"/>).
/// </summary>
internal sealed class EndpointRetryMonitor(EndpointRegistry registry, EndpointDialer dialer, JsonLogger logger, TimeSpan interval)
{
    /// <summary>Retries every endpoint that is out of rotation, concurrently; <see cref="EndpointMonitor"/> calls this every interval.</summary>
    public Task RunRoundAsync(CancellationToken stopping) =>
        Task.WhenAll(registry.Current.Unavailable.Select(e => TryReactivateAsync(e, stopping)));

    /// <summary>One retry of one endpoint; returns whether it is back in rotation.</summary>
    public async Task<bool> TryReactivateAsync(Endpoint endpoint, CancellationToken stopping)
    {
        endpoint = await new HostAddressRefresher(registry, logger).RefreshAsync(endpoint);
        try
        {
            using var socket = await dialer.DialAsync(endpoint, stopping);
        }
        catch (DialException e)
        {
            logger.Warn("failed to activate endpoint (stay inactive for another interval)", [
                new("address", endpoint.Name), new("interval", interval), LogField.Error(e)]);
            return false;
        }

        if (registry.MarkAvailable(endpoint))
        {
            logger.Info("activated", [new("address", endpoint.Name)]);
        }

        return true;
    }
}
