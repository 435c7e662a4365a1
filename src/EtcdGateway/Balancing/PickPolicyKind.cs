namespace EtcdGateway.Balancing;

/// <summary>The values of <c>--pick-policy</c>.</summary>
internal enum PickPolicyKind
{
    RoundRobin,
    Random,
    LeastConnections,
    PowerOfTwoChoices,

    /// <summary>Random in proportion to SRV weights (RFC 2782); the default with --discovery-srv.</summary>
    Weighted,
}
