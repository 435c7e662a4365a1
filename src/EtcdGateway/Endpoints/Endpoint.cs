using System.Collections.Immutable;
using System.Net;

namespace EtcdGateway.Endpoints;

/// <summary>A backend the gateway can dial: the address as configured and the IP addresses it resolved to.</summary>
internal sealed record Endpoint(EndpointAddress Address, ImmutableArray<IPAddress> IPAddresses)
{
    /// <summary>The endpoint's name in logs and status: <c>host:port</c> as configured.</summary>
    public string Name { get; } = Address.ToString();

    public override string ToString() => Name;
}
