using System.Diagnostics;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc.Registration;

/// <summary>
/// Registration and MemberList through <c>etcd-gateway grpc-proxy start</c> processes on a real 3-member cluster, as etcdctl
/// sees them: registered proxies are the member list, a proxy killed with -9 leaves it within the TTL (etcd's proxy
/// keeps listing it), one stopped with SIGTERM leaves at once, and etcd's own proxy and ours read each other's entries.
/// </summary>
public sealed class GrpcProxyRegistrationTests(ThreeMemberClusterFixture fixture) : IClassFixture<ThreeMemberClusterFixture>
{
    private const int TtlSeconds = 3;

    /// <summary>Lease expiry is checked by the leader every 500 ms, and MemberList may answer from a read a second old.</summary>
    private static readonly TimeSpan LeaveBound = TimeSpan.FromSeconds(TtlSeconds + 3);

    private readonly string _prefix = $"/proxies-{Guid.NewGuid():N}";

    private string Endpoints => fixture.Cluster.ClientEndpoints;

    private async Task<GatewayProcess> StartRegisteredAsync()
    {
        var address = $"127.0.0.1:{FreePorts.Next()}";
        return await GrpcProxyProcess.StartAsync([
            $"--endpoints={Endpoints}", $"--listen-addr={address}", $"--advertise-client-url={address}",
            $"--resolver-prefix={_prefix}", $"--resolver-ttl={TtlSeconds}"]);
    }

    private static async Task<IReadOnlyList<string>> MemberUrlsAsync(string proxy)
    {
        var listed = await Etcdctl.RunAsync(proxy, "member", "list", "-w", "json");
        Assert.True(listed.Succeeded, listed.ToString());
        using var json = JsonDocument.Parse(listed.StdOut);
        return [.. json.RootElement.GetProperty("members").EnumerateArray().SelectMany(m => m.GetProperty("clientURLs").EnumerateArray()).Select(u => u.GetString()!).Order(StringComparer.Ordinal)];
    }

    private static async Task<TimeSpan> WaitForMembersAsync(string proxy, IReadOnlyList<string> expected, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var urls = await MemberUrlsAsync(proxy);
            if (urls.SequenceEqual(expected.Order(StringComparer.Ordinal)))
            {
                return started.Elapsed;
            }

            Assert.True(started.Elapsed < timeout, $"member list through {proxy} after {started.Elapsed}: {string.Join(", ", urls)}; expected {string.Join(", ", expected)}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task TwoRegisteredProxies_AreTheMemberList_AndOneKilledWith9_LeavesWithinTheTtl()
    {
        await using var first = await StartRegisteredAsync();
        await using var second = await StartRegisteredAsync();
        await RegistryReader.WaitAsync(Endpoints, _prefix, e => e.Count == 2, TimeSpan.FromSeconds(10), () => first.Log + "\n" + second.Log);

        await WaitForMembersAsync(first.ListenAddress, [first.ListenAddress, second.ListenAddress], TimeSpan.FromSeconds(3));
        var table = await Etcdctl.RunAsync(second.ListenAddress, "member", "list");
        Assert.True(table.Succeeded, table.ToString());
        Assert.Equal(2, table.StdOut.Trim().Split('\n').Length);
        Assert.Contains($", started, {System.Net.Dns.GetHostName()}, , {first.ListenAddress}, false", table.StdOut, StringComparison.Ordinal);

        Posix.Signal(second.Pid, Posix.SigKill);
        var elapsed = await WaitForMembersAsync(first.ListenAddress, [first.ListenAddress], LeaveBound);
        Assert.True(elapsed <= LeaveBound, $"left after {elapsed}");
        Assert.Single(await RegistryReader.ReadAsync(Endpoints, _prefix));
    }

    [Fact]
    public async Task AProxyStoppedWithSigterm_LeavesAtOnce()
    {
        await using var proxy = await StartRegisteredAsync();
        await RegistryReader.WaitAsync(Endpoints, _prefix, e => e.Count == 1, TimeSpan.FromSeconds(10), () => proxy.Log);
        await proxy.WaitForLogAsync("registered session with lease", TimeSpan.FromSeconds(5));

        proxy.Terminate();
        Assert.Equal(0, await proxy.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        // Read right after the exit: the revoke went through before the drain, not a TTL later.
        Assert.Empty(await RegistryReader.ReadAsync(Endpoints, _prefix));
        await proxy.WaitForLogAsync("revoked registration lease", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task MemberList_IsTheProxyItself_WithAnAdvertiseUrlAlone_AndTheClustersWithAnEmptyOne()
    {
        await using var advertised = await GrpcProxyProcess.StartAsync([$"--endpoints={Endpoints}", "--advertise-client-url=10.1.2.3:23790"]);
        await using var byDefault = await GrpcProxyProcess.StartAsync([$"--endpoints={Endpoints}"]);
        await using var forwarding = await GrpcProxyProcess.StartAsync([$"--endpoints={Endpoints}", "--advertise-client-url="]);

        Assert.Equal(["10.1.2.3:23790"], await MemberUrlsAsync(advertised.ListenAddress));
        Assert.Equal(["127.0.0.1:23790"], await MemberUrlsAsync(byDefault.ListenAddress));
        Assert.Equal(fixture.Cluster.Members.Select(m => m.ClientUrl).Order(StringComparer.Ordinal), await MemberUrlsAsync(forwarding.ListenAddress));

        // The header is the cluster's (etcd's proxy sends none).
        var direct = await Etcdctl.RunAsync(fixture.Cluster.Members[0].ClientAddress, "member", "list", "-w", "json");
        var proxied = await Etcdctl.RunAsync(advertised.ListenAddress, "member", "list", "-w", "json");
        Assert.True(direct.Succeeded && proxied.Succeeded, $"{direct}\n{proxied}");
        Assert.Equal(ClusterId(direct.StdOut), ClusterId(proxied.StdOut));
    }

    [Fact]
    public async Task EtcdsOwnProxy_AndOurs_ReadEachOthersRegistrations_AndOursDropsItWhenKilled()
    {
        await using var ours = await StartRegisteredAsync();
        var etcdsAddress = $"127.0.0.1:{FreePorts.Next()}";
        using var etcds = Process.Start(new ProcessStartInfo("/usr/bin/etcd")
        {
            ArgumentList =
            {
                "grpc-proxy", "start", $"--endpoints={Endpoints}", $"--listen-addr={etcdsAddress}", $"--advertise-client-url={etcdsAddress}",
                $"--resolver-prefix={_prefix}", $"--resolver-ttl={TtlSeconds}",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        etcds.ErrorDataReceived += (_, _) => { };
        etcds.OutputDataReceived += (_, _) => { };
        etcds.BeginErrorReadLine();
        etcds.BeginOutputReadLine();
        try
        {
            var (entries, _) = await RegistryReader.WaitAsync(Endpoints, _prefix, e => e.Count == 2, TimeSpan.FromSeconds(15), () => ours.Log);
            var theirs = entries.Single(e => e.Key == $"{_prefix}/{etcdsAddress}");
            var mine = entries.Single(e => e.Key == $"{_prefix}/{ours.ListenAddress}");
            Assert.Equal(theirs.Value.Replace(etcdsAddress, ours.ListenAddress, StringComparison.Ordinal), mine.Value);

            await WaitForMembersAsync(ours.ListenAddress, [ours.ListenAddress, etcdsAddress], TimeSpan.FromSeconds(3));
            await WaitForMembersAsync(etcdsAddress, [ours.ListenAddress, etcdsAddress], TimeSpan.FromSeconds(10));

            etcds.Kill();
            await etcds.WaitForExitAsync();
            await WaitForMembersAsync(ours.ListenAddress, [ours.ListenAddress], LeaveBound);
        }
        finally
        {
            if (!etcds.HasExited)
            {
                etcds.Kill();
            }
        }
    }

    private static ulong ClusterId(string memberListJson)
    {
        using var json = JsonDocument.Parse(memberListJson);
        return json.RootElement.GetProperty("header").GetProperty("cluster_id").GetUInt64();
    }
}
