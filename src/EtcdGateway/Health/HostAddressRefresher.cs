using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Health;

/// <summary>
/// Resolves an endpoint named by host again before it is tried after a failure, so a member whose name moved to a new
/// address (a rescheduled pod, a replaced machine) is found there, as etcd's gateway finds it by resolving at every dial.
/// </summary>
internal sealed class HostAddressRefresher(EndpointRegistry registry, JsonLogger logger)
{
    /// <summary>The endpoint with its current addresses (replaced in the registry when they changed), or as it was.</summary>
    public async Task<Endpoint> RefreshAsync(Endpoint endpoint)
    {
        if (EndpointAddress.TryParseIPLiteral(endpoint.Address.Host, out _))
        {
            return endpoint;
        }

        try
        {
            var addresses = await HostLookup.LookupAsync(endpoint.Address.Host);
            if (addresses.SequenceEqual(endpoint.IPAddresses))
            {
                return endpoint;
            }

            var refreshed = endpoint with { IPAddresses = addresses };
            if (registry.Replace(endpoint, refreshed))
            {
                logger.Info("endpoint resolves to new addresses", [
                    new("address", endpoint.Name), new("ips", addresses.Select(a => a.ToString()).ToArray())]);
                return refreshed;
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // Keep trying the last known addresses; DNS being down says nothing about the member.
            logger.Debug("cannot resolve endpoint again; keeping its last addresses", [new("address", endpoint.Name), LogField.Error(e)]);
        }

        return endpoint;
    }
}
