namespace EtcdGateway.Endpoints;

/// <summary>What a change of the endpoint set added and removed (both empty when nothing changed).</summary>
internal sealed record EndpointSetChange(IReadOnlyList<Endpoint> Added, IReadOnlyList<Endpoint> Removed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0;
}
