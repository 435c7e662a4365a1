using System.Globalization;
using System.Text.RegularExpressions;

namespace EtcdGateway.IntegrationTests.Chaos.Cluster;

/// <summary>
/// A long run of the same load with the cluster faults in turn. It runs only when CHAOS_SOAK holds a duration
/// (<c>scripts/chaos --soak 10m</c> sets it); otherwise it reports skipped.
/// </summary>
public sealed partial class ClusterSoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Soak_Steady_Load_With_A_Fault_Each_Cycle_Runs_Only_When_CHAOS_SOAK_Is_Set()
    {
        var setting = Environment.GetEnvironmentVariable("CHAOS_SOAK");
        Assert.SkipWhen(string.IsNullOrWhiteSpace(setting), "CHAOS_SOAK is not set, so the soak did not run (scripts/chaos --soak 10m runs it).");

        var duration = ParseDuration(setting);
        await using var run = await ChaosRun.StartAsync($"soak for {setting}: steady load, one fault per cycle", output);
        run.ControlWriter = false;
        (string Name, Func<Task> Inject)[] faults =
        [
            ("follower hung 6 s", () => ClusterFaults.HangFollowerAsync(run, TimeSpan.FromSeconds(6))),
            ("leader killed, restarted after 3 s", () => ClusterFaults.KillLeaderAndRestartAsync(run, TimeSpan.FromSeconds(3))),
            ("majority hung 5 s", () => ClusterFaults.StopMajorityAsync(run, TimeSpan.FromSeconds(5))),
            ("leader partitioned 6 s", async () => Report($"           partition: {await ClusterFaults.PartitionLeaderAsync(run, TimeSpan.FromSeconds(6), sigstopWhenUnavailable: true)}")),
            ("follower restarted 3 times", () => ClusterFaults.RestartFollowerRepeatedlyAsync(run, 3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))),
        ];

        Report($"soak: {duration.TotalMinutes:0.#} min; gateway idle {run.Idle}, under load {run.Loaded}");
        Report("   time  cycle  fault                               acked  failed  lost  worst stall in cycle    gateway");
        var ackedBefore = new Dictionary<string, int>();
        var totalLost = 0;
        var worstThroughGateway = TimeSpan.Zero;
        for (var cycle = 0; run.Workload.Now < duration; cycle++)
        {
            var (name, inject) = faults[cycle % faults.Length];
            var from = run.Mark($"cycle {cycle + 1}: {name}");
            await inject();
            var over = run.Mark("fault over");
            await run.WaitAllEndpointsUpAsync(TimeSpan.FromSeconds(20));
            await run.Workload.WaitAllAckedSinceAsync(over, 10, TimeSpan.FromSeconds(30));
            var settleUntil = over + Settle;
            if (settleUntil > run.Workload.Now)
            {
                await Task.Delay(settleUntil - run.Workload.Now);
            }

            var now = run.Workload.Now;
            var figures = run.Workload.Writers.Select(w => w.Figures(now)).ToList();
            var (checkedCount, lost) = await run.VerifyRecentAsync(figures, ackedBefore, await run.Cluster.LeaderIndexAsync());
            totalLost += lost.Count;
            foreach (var w in figures)
            {
                ackedBefore[w.Name] = w.Acked;
            }

            var stalls = run.Workload.Writers.Select(w => (w.Name, Stall: w.WorstStallBetween(from, now).Stall)).ToList();
            var worst = stalls.MaxBy(s => s.Stall);
            worstThroughGateway = TimeSpan.FromTicks(Math.Max(worstThroughGateway.Ticks, worst.Stall.Ticks));
            var sample = GatewaySample.Read(run.Gateway.Pid);
            var status = await run.StatusSummaryAsync();
            Report(string.Create(
                CultureInfo.InvariantCulture,
                $"  {now.TotalSeconds,5:0} s  {cycle + 1,5}  {name,-34} {figures.Sum(f => f.Acked),6}  {figures.Sum(f => f.Failed),6}  {totalLost,4}  {worst.Stall.TotalSeconds,5:0.00} s ({worst.Name,-7})   {sample}, {status}"));
            foreach (var detail in lost.Take(10))
            {
                Report($"           LOST: {detail} (checked {checkedCount})");
            }
        }

        var result = await run.FinishAsync(run.Mark("soak over"));
        Report($"soak result: {result.Check.Acknowledged} writes acknowledged, {result.Check.Lost.Count} lost (checked on all 3 members), "
            + $"{totalLost} lost in the per-cycle checks; worst stall through the gateway {worstThroughGateway.TotalSeconds:0.00} s; "
            + $"gateway idle {result.Idle}, under load {result.Loaded}, after {result.After}");

        Assert.Equal(0, totalLost);
        result.AssertSound(run.Gateway.Log);
        Assert.True(result.WorstStall <= TimeSpan.FromSeconds(16), $"worst stall {result.WorstStall.TotalSeconds:0.00} s\n{result.Format()}");
    }

    /// <summary>Durations such as <c>90s</c>, <c>10m</c>, <c>1h</c> or <c>1h30m</c>.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
        {
            throw new ArgumentException($"CHAOS_SOAK={text}: expected a duration such as 90s, 10m or 1h30m");
        }

        var total = TimeSpan.Zero;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unit = part.Value[^1];
            var number = double.Parse(part.Value[..^1], CultureInfo.InvariantCulture);
            total += unit switch
            {
                'h' => TimeSpan.FromHours(number),
                'm' => TimeSpan.FromMinutes(number),
                _ => TimeSpan.FromSeconds(number),
            };
        }

        return total;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[hms])+$")]
    private static partial Regex DurationPattern();

    private void Report(string line) => ChaosRun.Report(output, line);
}
