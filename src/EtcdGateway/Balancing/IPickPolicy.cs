using EtcdGateway.Endpoints;

namespace EtcdGateway.Balancing;

/// <summary>Chooses the backend for a new client connection among the candidates (never empty).</summary>
internal interface IPickPolicy
{
    Endpoint Pick(IReadOnlyList<Endpoint> candidates);
}
