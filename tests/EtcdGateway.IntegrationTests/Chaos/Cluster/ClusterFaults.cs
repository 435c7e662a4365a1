namespace EtcdGateway.IntegrationTests.Chaos.Cluster;

/// <summary>The cluster faults of the chaos scenarios, each noted on the run's timeline; the soak cycles through them.</summary>
public static class ClusterFaults
{
    /// <summary>SIGSTOPs a follower that an HTTP writer is pinned to, for <paramref name="duration"/>, then SIGCONTs it.</summary>
    public static async Task HangFollowerAsync(ChaosRun run, TimeSpan duration)
    {
        var victim = await run.PinnedFollowerAsync();
        await run.BeforeFaultAsync(victim);
        run.Cluster.Stop(victim);
        run.Mark($"SIGSTOP follower {run.MemberName(victim)}; {run.WritersOn(victim)}");
        try
        {
            await Task.Delay(duration);
        }
        finally
        {
            run.Cluster.Continue(victim);
            run.Mark($"SIGCONT {run.MemberName(victim)}");
        }
    }

    /// <summary>SIGKILLs the leader, waits <paramref name="down"/>, restarts it from its data directory.</summary>
    public static async Task KillLeaderAndRestartAsync(ChaosRun run, TimeSpan down)
    {
        var leader = await run.Cluster.LeaderIndexAsync();
        await run.BeforeFaultAsync(leader);
        var on = run.WritersOn(leader);
        run.Cluster.Kill(leader);
        run.Mark($"SIGKILL leader {run.MemberName(leader)}; {on}");
        await Task.Delay(down);
        var newLeader = await run.Cluster.LeaderIndexAsync();
        run.Mark($"new leader {run.MemberName(newLeader)}; restarting {run.MemberName(leader)} from its data dir");
        await run.Cluster.RestartAsync(leader);
        run.Mark($"{run.MemberName(leader)} healthy again");
    }

    /// <summary>SIGSTOPs the leader and one follower (no quorum) for <paramref name="duration"/>, then SIGCONTs both.</summary>
    public static async Task StopMajorityAsync(ChaosRun run, TimeSpan duration)
    {
        var leader = await run.Cluster.LeaderIndexAsync();
        int[] victims = [leader, (leader + 1) % run.Cluster.Members.Count];
        await run.BeforeFaultAsync(victims);
        foreach (var v in victims)
        {
            run.Cluster.Stop(v);
        }

        run.Mark($"SIGSTOP leader {run.MemberName(victims[0])} and follower {run.MemberName(victims[1])} (no quorum)");
        try
        {
            await Task.Delay(duration);
        }
        finally
        {
            foreach (var v in victims)
            {
                run.Cluster.Continue(v);
            }

            run.Mark("SIGCONT both");
        }
    }

    /// <summary>
    /// Cuts the leader off from its peers for <paramref name="duration"/> with <see cref="PeerPartition"/>. Where that
    /// is not possible the test reports skipped, or, with <paramref name="sigstopWhenUnavailable"/> (the soak, which only
    /// needs some fault each cycle), the leader is SIGSTOPped instead and the report says so. Returns how the partition
    /// was made.
    /// </summary>
    public static async Task<string> PartitionLeaderAsync(ChaosRun run, TimeSpan duration, bool sigstopWhenUnavailable)
    {
        var leader = await run.Cluster.LeaderIndexAsync();
        await run.BeforeFaultAsync(leader);
        var on = run.WritersOn(leader);
        PeerPartition partition;
        try
        {
            partition = PeerPartition.Isolate(run.Cluster, leader);
        }
        catch (PartitionUnavailableException e)
        {
            // A frozen leader is not partitioned: its client port stops answering too. Passing as if it were would
            // claim a scenario that never ran.
            Assert.SkipUnless(sigstopWhenUnavailable, $"no real partition can be made here: {e.Message}");
            var method = $"SIGSTOP (simulated partition: {e.Message})";
            run.Cluster.Stop(leader);
            run.Mark($"partition unavailable, {method} of leader {run.MemberName(leader)}; {on}");
            try
            {
                await Task.Delay(duration);
            }
            finally
            {
                run.Cluster.Continue(leader);
                run.Mark($"SIGCONT {run.MemberName(leader)}");
            }

            return method;
        }

        string report;
        using (partition)
        {
            run.Mark($"leader {run.MemberName(leader)} cut off from its peers; {on}");
            await Task.Delay(duration);
            var newLeader = await run.Cluster.LeaderIndexAsync();
            var dropped = partition.DroppedPackets();
            var problems = partition.Heal();
            report = $"{partition.Method}; {dropped} packets dropped";
            run.Mark($"partition healed ({dropped} packets dropped; the others' leader was {run.MemberName(newLeader)})");
            if (problems.Count > 0)
            {
                throw new InvalidOperationException($"could not undo the partition: {string.Join("; ", problems)}");
            }
        }

        return report;
    }

    /// <summary>SIGKILLs and restarts a follower (one with an HTTP writer on it) <paramref name="times"/> times.</summary>
    public static async Task RestartFollowerRepeatedlyAsync(ChaosRun run, int times, TimeSpan down, TimeSpan between)
    {
        var victim = await run.PinnedFollowerAsync();
        await run.BeforeFaultAsync(victim);
        for (var i = 1; i <= times; i++)
        {
            var on = run.WritersOn(victim);
            run.Cluster.Kill(victim);
            run.Mark($"SIGKILL {run.MemberName(victim)} ({i}/{times}); {on}");
            await Task.Delay(down);
            await run.Cluster.RestartAsync(victim);
            run.Mark($"{run.MemberName(victim)} restarted and healthy");
            if (i < times)
            {
                await Task.Delay(between);
            }
        }
    }
}
