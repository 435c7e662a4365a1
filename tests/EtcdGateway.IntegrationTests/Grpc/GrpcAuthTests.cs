using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// etcd's auth through the gRPC proxy: users and roles made through it, tokens issued by the members and carried by
/// the proxy on every call, permissions enforced as directly. Its own cluster: enabling auth changes the cluster.
/// </summary>
public class GrpcAuthTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task UsersRolesAndAuthenticatedCalls_ThroughTheProxy_AsDirectly()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        var through = proxy.ListenAddress;
        var direct = cluster.Members[1].ClientAddress;

        await Ok(through, "user", "add", "root:rootpw");
        await Ok(through, "role", "add", "root");
        await Ok(through, "user", "grant-role", "root", "root");
        await Ok(through, "role", "add", "reader");
        await Ok(through, "role", "grant-permission", "reader", "read", "auth/a");
        await Ok(through, "user", "add", "alice:alicepw");
        await Ok(through, "user", "grant-role", "alice", "reader");
        Assert.Contains("alice", (await Ok(through, "user", "list")).StdOut, StringComparison.Ordinal);
        Assert.Contains("auth/a", (await Ok(through, "role", "get", "reader")).StdOut, StringComparison.Ordinal);

        await Ok(through, "auth", "enable");
        try
        {
            await Ok(through, "--user=root:rootpw", "put", "auth/a", "1");
            await Ok(through, "--user=root:rootpw", "put", "auth/b", "2");

            Assert.Equal("1", (await Ok(through, "--user=alice:alicepw", "get", "auth/a", "--print-value-only")).StdOut.Trim());
            var deniedThrough = await Run(through, "--user=alice:alicepw", "get", "auth/b");
            var deniedDirect = await Run(direct, "--user=alice:alicepw", "get", "auth/b");
            Assert.False(deniedThrough.Succeeded);
            Assert.Contains("permission denied", deniedThrough.StdErr, StringComparison.Ordinal);
            Assert.Equal(LastLine(deniedDirect.StdErr), LastLine(deniedThrough.StdErr));

            var anonymous = await Run(through, "get", "auth/a");
            Assert.False(anonymous.Succeeded);
            Assert.Equal(LastLine((await Run(direct, "get", "auth/a")).StdErr), LastLine(anonymous.StdErr));

            var wrongPassword = await Run(through, "--user=alice:nope", "get", "auth/a");
            Assert.Contains("authentication failed", wrongPassword.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            await Ok(through, "--user=root:rootpw", "auth", "disable");
        }
    }

    private static string LastLine(string text) => text.Trim().Split('\n')[^1];

    private static async Task<CommandResult> Ok(string endpoint, params string[] args)
    {
        var result = await Run(endpoint, args);
        Assert.True(result.Succeeded, $"etcdctl {string.Join(' ', args)} via {endpoint}: {result}");
        return result;
    }

    private static Task<CommandResult> Run(string endpoint, params string[] args) => Etcdctl.RunAsync(endpoint, args, Timeout);
}
