using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Health.HealthTestSupport;

namespace EtcdGateway.IntegrationTests.Health;

/// <summary>--endpoints-auto-sync-interval: the cluster's member list, not the command line, decides where traffic goes.</summary>
public class MembershipTests
{
    private const string EndpointSetChanged = "endpoint set changed";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Auto_Sync_Finds_The_Other_Members_And_A_Member_Added_Later_Gets_Traffic()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync(
            [$"--endpoints={cluster.Members[0].ClientAddress}", "--endpoints-auto-sync-interval=1s"]);

        var others = new[] { cluster.Members[1].ClientAddress, cluster.Members[2].ClientAddress };
        var first = await gateway.WaitForLogAsync(EndpointSetChanged, Timeout, e => others.All(Addresses(e, "added").Contains));
        Assert.Equal("info", Field(first, "level"));
        Assert.DoesNotContain(cluster.Members[0].ClientAddress, Addresses(first, "removed"));

        var added = await cluster.AddMemberAsync();
        await gateway.WaitForLogAsync(EndpointSetChanged, Timeout, e => Addresses(e, "added").Contains(added.ClientAddress));

        var (window, all) = await MemberIdsUntilWindowCoversAsync(gateway.ListenAddress, window: 8, expected: 4, maxCalls: 24);
        Assert.True(
            window.Count == 4,
            $"8 consecutive endpoint-status calls never reached all 4 members; {DescribeIds(all, cluster, await MemberListAsync(cluster.ClientEndpoints))}\n--- gateway log ---\n{gateway.Log}");
    }

    [Fact]
    public async Task Auto_Sync_Drops_The_Only_Configured_Endpoint_Once_It_Is_Removed_From_The_Cluster()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);

        // The removed member must be a follower, so removing it does not cost the cluster an election mid-test.
        var leader = await cluster.LeaderIndexAsync();
        var removed = leader == 0 ? 1 : 0;
        var asked = 3 - leader - removed;
        var removedAddress = cluster.Members[removed].ClientAddress;
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={removedAddress}", "--endpoints-auto-sync-interval=1s"]);

        var expectedOthers = Enumerable.Range(0, 3).Where(i => i != removed).Select(i => cluster.Members[i].ClientAddress).ToList();
        await gateway.WaitForLogAsync(EndpointSetChanged, Timeout, e => expectedOthers.All(Addresses(e, "added").Contains));

        var members = await MemberListAsync(cluster.Members[asked].ClientAddress);
        var member = members.Single(m => m.ClientUrls.Contains(cluster.Members[removed].ClientUrl));
        var remove = await MemberRemoveAsync(cluster.Members[asked].ClientAddress, member.Id);
        Assert.True(remove.Succeeded, $"member remove {Hex(member.Id)}: {remove}");

        var changed = await gateway.WaitForLogAsync(EndpointSetChanged, Timeout, e => Addresses(e, "removed").Contains(removedAddress));
        Assert.Empty(Addresses(changed, "added"));

        var failures = await PutGetCallsAsync(gateway.ListenAddress, 20, "removed-member");
        Assert.True(failures.Count == 0, $"{failures.Count} of 20 calls failed:\n{string.Join('\n', failures)}\n--- gateway log ---\n{gateway.Log}");
    }
}
