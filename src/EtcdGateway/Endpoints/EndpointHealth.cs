namespace EtcdGateway.Endpoints;

/// <summary>What the last health probe learned about an endpoint, best first. Panic mode routes by this order.</summary>
internal enum EndpointHealth
{
    /// <summary>Not probed yet (or probing is off): trusted until a dial fails.</summary>
    Unknown,

    /// <summary>The probe passed.</summary>
    Healthy,

    /// <summary>The member answered but said it is unhealthy (e.g. no leader): it may still serve serializable reads.</summary>
    Answering,

    /// <summary>TCP connects but nothing answers (a hung or SIGSTOPped process still completes handshakes).</summary>
    AcceptsTcp,

    /// <summary>Not even TCP connects.</summary>
    Unreachable,
}
