using EtcdGateway.Logging;

namespace EtcdGateway.Endpoints;

/// <summary>Replaces the endpoint set (member-list sync, SRV refresh, reload) and logs what changed, if anything.</summary>
internal sealed class EndpointSetUpdater(EndpointRegistry registry, JsonLogger logger)
{
    public void Replace(IReadOnlyList<Endpoint> endpoints, string source)
    {
        var change = registry.SetEndpoints(endpoints, source);
        if (!change.IsEmpty)
        {
            logger.Info("endpoint set changed", [
                new("added", change.Added.Select(e => e.Name).ToArray()), new("removed", change.Removed.Select(e => e.Name).ToArray()),
                new("source", source), new("endpoints", endpoints.Select(e => e.Name).ToArray())]);
        }
    }
}
