using EtcdGateway.Endpoints;

namespace EtcdGateway.Discovery;

/// <summary>The endpoints one discovery round found and kept, and how long the DNS answers behind them may be cached.</summary>
internal sealed record SrvDiscoveryResult(IReadOnlyList<Endpoint> Endpoints, TimeSpan Ttl);
