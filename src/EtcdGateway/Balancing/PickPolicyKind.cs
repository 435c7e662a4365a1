namespace EtcdGateway.Balancing;

/// <summary>The values of <c>--pick-policy</c>.</summary>
internal enum PickPolicyKind
{
    RoundRobin,
    Random,
    LeastConnections,
    PowerOfTwoChoices,
}
