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
        ["weighted"] = PickPolicyKind.Weighted,
    };

    public static string NameOf(PickPolicyKind kind) => Names.First(pair => pair.Value == kind).Key;

    /// <summary>
    /// The policy for <paramref name="kind"/>. Every policy picks within the best SRV priority class first; static
    /// endpoints are all in one class, so for them this changes nothing.
    /// </summary>
    public static IPickPolicy Create(PickPolicyKind kind, Random random) => new PriorityClassPickPolicy(CreateWithinClass(kind, random));

    private static IPickPolicy CreateWithinClass(PickPolicyKind kind, Random random) => kind switch
    {
        PickPolicyKind.RoundRobin => new RoundRobinPickPolicy(),
        PickPolicyKind.Random => new RandomPickPolicy(random),
        PickPolicyKind.LeastConnections => new LeastConnectionsPickPolicy(),
        PickPolicyKind.PowerOfTwoChoices => new PowerOfTwoChoicesPickPolicy(random),
        PickPolicyKind.Weighted => new WeightedRandomPickPolicy(random),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
