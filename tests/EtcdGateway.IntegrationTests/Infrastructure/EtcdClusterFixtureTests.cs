using System.Text.Json;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Checks that the test cluster behaves like a real etcd cluster before gateway tests rely on it.</summary>
public sealed class EtcdClusterFixtureTests
{
    [Fact]
    public async Task Three_member_cluster_serves_requests_has_one_leader_and_survives_a_killed_follower()
    {
        await using var cluster = await EtcdCluster.StartAsync();

        var put = await Etcdctl.RunAsync(cluster.Members[0].ClientAddress, "put", "foo", "bar");
        Assert.True(put.Succeeded, put.ToString());
        Assert.Equal("bar", await GetValueAsync(cluster.Members[0].ClientAddress, "foo"));

        var status = await Etcdctl.RunAsync(cluster.ClientEndpoints, "endpoint", "status", "-w", "json");
        Assert.True(status.Succeeded, status.ToString());
        Assert.Equal(1, CountLeaders(status.StdOut));

        var leader = await cluster.LeaderIndexAsync();
        var follower = (leader + 1) % cluster.Members.Count;
        cluster.Kill(follower);
        Assert.False(cluster.Members[follower].IsRunning);

        var survivors = cluster.Members.Where((_, i) => i != follower).ToList();
        var putWhileDown = await Etcdctl.RunAsync(string.Join(',', survivors.Select(m => m.ClientAddress)), "put", "foo", "baz");
        Assert.True(putWhileDown.Succeeded, putWhileDown.ToString());
        foreach (var survivor in survivors)
        {
            Assert.Equal("baz", await GetValueAsync(survivor.ClientAddress, "foo"));
        }

        await cluster.RestartAsync(follower);
        Assert.True(cluster.Members[follower].IsRunning);
        Assert.Equal("baz", await GetValueAsync(cluster.Members[follower].ClientAddress, "foo"));
    }

    [Fact]
    public async Task Added_member_joins_and_is_listed()
    {
        await using var cluster = await EtcdCluster.StartAsync();

        var added = await cluster.AddMemberAsync();

        Assert.Equal(4, cluster.Members.Count);
        Assert.Same(added, cluster.Members[3]);
        var list = await Etcdctl.RunAsync(added.ClientAddress, "member", "list");
        Assert.True(list.Succeeded, list.ToString());
        var lines = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, line => line.Contains($", started, {added.Name}, ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stopped_leader_is_replaced_and_recovers_after_continue()
    {
        await using var cluster = await EtcdCluster.StartAsync();
        var oldLeader = await cluster.LeaderIndexAsync();

        cluster.Stop(oldLeader);
        try
        {
            // Until the others elect a new leader, writes they forward to the frozen one are lost and time out.
            Assert.NotEqual(oldLeader, await cluster.LeaderIndexAsync());
            var others = string.Join(',', cluster.Members.Where((_, i) => i != oldLeader).Select(m => m.ClientAddress));
            // A write can still land on a member that has not heard of the new leader yet; recovery, not instant
            // success, is what this checks, so allow a few tries within a generous bound.
            var put = await Etcdctl.RunAsync(others, "put", "foo", "while-stopped");
            for (var attempt = 0; attempt < 3 && !put.Succeeded; attempt++)
            {
                put = await Etcdctl.RunAsync(others, "put", "foo", "while-stopped");
            }

            Assert.True(put.Succeeded, put.ToString());
        }
        finally
        {
            cluster.Continue(oldLeader);
        }

        await cluster.WaitHealthyAsync(oldLeader, TimeSpan.FromSeconds(10));
        Assert.Equal("while-stopped", await GetValueAsync(cluster.Members[oldLeader].ClientAddress, "foo"));
    }

    private static async Task<string> GetValueAsync(string endpoints, string key)
    {
        var get = await Etcdctl.RunAsync(endpoints, "get", key, "--print-value-only");
        Assert.True(get.Succeeded, get.ToString());
        return get.StdOut.Trim();
    }

    // etcdctl's JSON output keeps uint64 fields as JSON numbers, unlike etcd's own HTTP API.
    private static int CountLeaders(string endpointStatusJson)
    {
        using var document = JsonDocument.Parse(endpointStatusJson);
        return document.RootElement.EnumerateArray()
            .Select(endpoint => endpoint.GetProperty("Status"))
            .Count(status => status.GetProperty("header").GetProperty("member_id").GetUInt64() == status.GetProperty("leader").GetUInt64());
    }
}
