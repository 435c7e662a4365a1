using System.Collections.Immutable;
using System.Net;

namespace EtcdGateway.Endpoints;

/// <summary>A backend the gateway can dial: the address as configured, the IP addresses it resolved to, and its live counters.</summary>
internal sealed record Endpoint(EndpointAddress Address, ImmutableArray<IPAddress> IPAddresses)
{
    /// <summary>The endpoint's name in logs and status: <c>host:port</c> as configured.</summary>
    public string Name { get; } = Address.ToString();

    /// <summary>Carried over when the endpoint is replaced (new addresses), so counts survive a re-resolution.</summary>
    public EndpointStats Stats { get; init; } = new();

    /// <summary>Priority and weight from the endpoint's SRV record; static endpoints are all <see cref="SrvRank.Static"/>.</summary>
    public SrvRank Rank { get; init; } = SrvRank.Static;

    public override string ToString() => Name;
}
