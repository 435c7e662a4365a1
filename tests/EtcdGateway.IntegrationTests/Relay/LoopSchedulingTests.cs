using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Relay;

/// <summary>
/// The relay loops' scheduling policy as the kernel reports it (field 41 of /proc/PID/task/TID/stat): SCHED_BATCH by
/// default, the normal policy with ETCD_GATEWAY_LOOP_POLICY=normal, and the other threads untouched either way.
/// </summary>
public sealed class LoopSchedulingTests
{
    private const int NormalPolicy = 0;
    private const int BatchPolicy = 3;

    [Theory]
    [InlineData(null, BatchPolicy)]
    [InlineData("batch", BatchPolicy)]
    [InlineData("normal", NormalPolicy)]
    public async Task The_Relay_Loops_Run_Under_The_Chosen_Policy_And_Nothing_Else_Changes(string? setting, int expected)
    {
        var environment = new Dictionary<string, string> { ["ETCD_GATEWAY_LOOPS"] = "2" };
        if (setting is not null)
        {
            environment["ETCD_GATEWAY_LOOP_POLICY"] = setting;
        }

        await using var gateway = await GatewayProcess.StartAsync(["--health-check=none", $"--endpoints=127.0.0.1:{FreePorts.Next()}"], environment: environment);

        // The loops set their policy as their first step; the ready line may come before they have run.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<(string Name, int Policy)> threads;
        do
        {
            threads = ThreadPolicies(gateway.Pid);
            if (threads.Where(IsLoop).All(t => t.Policy == expected))
            {
                break;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(2, threads.Count(IsLoop));
        Assert.All(threads.Where(IsLoop), t => Assert.Equal(expected, t.Policy));
        Assert.All(threads.Where(t => !IsLoop(t)), t => Assert.Equal(NormalPolicy, t.Policy));
        Assert.Empty(gateway.LogEntries("relay event loop: cannot use the batch scheduling policy"));
    }

    [Fact]
    public async Task An_Unknown_Policy_Is_One_Line_Exit2_Not_A_Quiet_Fallback() =>
        UsageErrorAssert.IsUsageError(
            await GatewayProcess.RunToExitAsync(
                ["start", $"--endpoints=127.0.0.1:{FreePorts.Next()}"], environment: new Dictionary<string, string> { ["ETCD_GATEWAY_LOOP_POLICY"] = "fifo" }),
            "invalid value \"fifo\" for environment variable ETCD_GATEWAY_LOOP_POLICY: use batch or normal");

    private static bool IsLoop((string Name, int Policy) thread) => thread.Name.StartsWith("relay loop", StringComparison.Ordinal);

    private static List<(string Name, int Policy)> ThreadPolicies(int pid)
    {
        var threads = new List<(string, int)>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                var stat = File.ReadAllText(Path.Combine(task, "stat"));

                // Fields after the name (which may hold spaces) start at field 3; the policy is field 41.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                threads.Add((name, int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }

        return threads;
    }
}
