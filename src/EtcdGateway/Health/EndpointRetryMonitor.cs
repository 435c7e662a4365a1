using EtcdGateway.Endpoints;
using EtcdGateway.Logging;
using EtcdGateway.Relay;

namespace EtcdGateway.Health;

/// <summary>
/// Every <c>--retry-delay</c>, dials each endpoint that is out of rotation and puts back those that answer
/// (etcd's gateway monitor, with the same log lines, plus a dial timeout).
/// </summary>
internal sealed class EndpointRetryMonitor(EndpointRegistry registry, BackendDialer dialer, JsonLogger logger, TimeSpan interval, TimeProvider time)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, stopping);
                var unavailable = registry.Current.Unavailable;
                await Task.WhenAll(unavailable.Select(e => TryReactivateAsync(e, stopping)));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One retry of one endpoint; returns whether it is back in rotation.</summary>
    public async Task<bool> TryReactivateAsync(Endpoint endpoint, CancellationToken stopping)
    {
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
