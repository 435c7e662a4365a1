namespace EtcdGateway.Balancing;

/// <summary>Maps <c>--pick-policy</c> names to policies.</summary>
internal static class PickPolicyFactory
{
    public static readonly IReadOnlyDictionary<string, PickPolicyKind> Names = new Dictionary<string, PickPolicyKind>
    {
        ["round-robin"] = PickPolicyKind.RoundRobin,
        ["random"] = PickPolicyKind.Random,
        ["least-connections"] = PickPolicyKind.LeastConnections,
        ["power-of-two-choices"] = PickPolicyKind.PowerOfTwoChoices,
    };

    public static string NameOf(PickPolicyKind kind) => Names.First(pair => pair.Value == kind).Key;

    public static IPickPolicy Create(PickPolicyKind kind, Random random) => kind switch
    {
        PickPolicyKind.RoundRobin => new RoundRobinPickPolicy(),
        PickPolicyKind.Random => new RandomPickPolicy(random),
        PickPolicyKind.LeastConnections => new LeastConnectionsPickPolicy(),
        PickPolicyKind.PowerOfTwoChoices => new PowerOfTwoChoicesPickPolicy(random),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
