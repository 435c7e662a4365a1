namespace EtcdGateway.Endpoints;

/// <summary>
/// Where an endpoint found by DNS SRV discovery stands (RFC 2782): the lowest <see cref="Priority"/> value is preferred;
/// within one priority, connections are shared in proportion to <see cref="Weight"/>.
/// </summary>
internal readonly record struct SrvRank(int Priority, int Weight)
{
    /// <summary>Endpoints listed with --endpoints: all in one class, all alike.</summary>
    public static SrvRank Static { get; } = new(0, 1);
}
