using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The Range cache with auth on, side by side: bob asks for alice's key right after alice read it, through each proxy.
/// A member refuses him; ours refuses him the same way; etcd's proxy hands him alice's cached answer (etcd-io/etcd#22065).
/// Its own cluster: enabling auth changes it.
/// </summary>
public sealed class SideBySideCacheAuthTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Bob_Never_Gets_Alices_Cached_Answer_Through_Ours_Where_Etcds_Proxy_Hands_It_Over()
    {
        if (EtcdGrpcProxyProcess.Executable is null)
        {
            Assert.Skip("etcd is not installed (Debian: apt-get install etcd-server; scripts/test installs it)");
        }

        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var ours = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--advertise-client-url="]);
        await using var etcds = await EtcdGrpcProxyProcess.StartAsync(cluster.ClientEndpoints);
        var member = cluster.Members[0].ClientAddress;
        foreach (var step in new[]
        {
            "user add root:rootpw", "user grant-role root root",
            "role add alices", "role grant-permission alices readwrite alice/ --prefix=true", "user add alice:alicepw", "user grant-role alice alices",
            "role add bobs", "role grant-permission bobs readwrite bob/ --prefix=true", "user add bob:bobpw", "user grant-role bob bobs",
            "auth enable", "--user=root:rootpw put alice/secret s3cret",
        })
        {
            var done = await Etcdctl.RunAsync(member, step.Split(' '), Timeout);
            Assert.True(done.Succeeded, $"etcdctl {step}: {done}");
        }

        var answers = new List<string>();
        foreach (var endpoint in new[] { member, ours.ListenAddress, etcds.ListenAddress })
        {
            // alice reads her key twice (serializable: the kind of read both proxies cache), then bob asks for it.
            for (var i = 0; i < 2; i++)
            {
                var alice = await Etcdctl.RunAsync(endpoint, ["--user=alice:alicepw", "get", "alice/secret", "--consistency=s", "--print-value-only"], Timeout);
                Assert.True(alice.Succeeded && alice.StdOut.Trim() == "s3cret", $"alice via {endpoint}: {alice}");
            }

            var bob = await Etcdctl.RunAsync(endpoint, ["--user=bob:bobpw", "get", "alice/secret", "--consistency=s", "--print-value-only"], Timeout);
            answers.Add(bob.Succeeded ? $"answered \"{bob.StdOut.Trim()}\"" : $"refused: {LastLine(bob.StdErr)}");
        }

        output.WriteLine($"side by side | bob reads alice/secret after alice did | member: {answers[0]} | ours: {answers[1]} | etcd grpc-proxy: {answers[2]}");
        Assert.StartsWith("refused: ", answers[0], StringComparison.Ordinal);
        Assert.Contains("permission denied", answers[0], StringComparison.Ordinal);
        Assert.Equal(answers[0], answers[1]);
        Assert.Equal("answered \"s3cret\"", answers[2]);
    }

    private static string LastLine(string text) => text.Trim().Split('\n')[^1].Trim();
}
