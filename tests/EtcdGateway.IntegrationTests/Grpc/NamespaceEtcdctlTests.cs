using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// etcdctl through <c>grpc-proxy start --namespace=ns/</c>: what a client writes lands under "ns/" in the cluster, what
/// it reads comes back without it, and nothing outside "ns/" is ever shown or touched.
/// </summary>
public partial class NamespaceEtcdctlTests(NamespacedProxyFixture fixture) : IClassFixture<NamespacedProxyFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private string Proxy => fixture.Proxy.ListenAddress;

    private string Direct => fixture.Cluster.Members[0].ClientAddress;

    [Fact]
    public async Task Put_And_Get_Through_The_Proxy_Are_Under_The_Prefix_In_The_Cluster()
    {
        await Ok(Proxy, "put", "greeting", "hello");

        Assert.Equal("greeting\nhello\n", (await Ok(Proxy, "get", "greeting")).StdOut);
        Assert.Equal("ns/greeting\nhello\n", (await Ok(Direct, "get", "ns/greeting")).StdOut);
        Assert.Equal("", (await Ok(Direct, "get", "greeting")).StdOut);
    }

    [Fact]
    public async Task Every_Key_Is_Only_Every_Key_Of_The_Namespace()
    {
        // Written to the cluster directly: one inside, and neighbours of the prefix that must stay invisible.
        await Ok(Direct, "put", "ns/direct", "in");
        foreach (var outside in new[] { "outside", "ns", "ns0", "nsa", "ns.", "ns/" })
        {
            await Ok(Direct, "put", outside, "out");
        }

        await Ok(Proxy, "put", "through", "in");

        foreach (var everything in new[] { "--prefix", "--from-key" })
        {
            var keys = await KeysAsync(Proxy, "", everything);
            Assert.Contains("direct", keys);
            Assert.Contains("through", keys);
            Assert.DoesNotContain(keys, k => k is "outside" or "ns" or "ns0" or "nsa" or "ns." or "" || k.StartsWith("ns/", StringComparison.Ordinal));
        }

        // The count is of the same keys: those strictly under the prefix (the prefix alone is no key of the namespace).
        var inside = (await KeysAsync(Direct, "ns/", "--prefix")).Count(k => k != "ns/");
        var counted = JsonDocument.Parse((await Ok(Proxy, "get", "", "--prefix", "--keys-only", "--write-out=json")).StdOut).RootElement;
        Assert.Equal(inside, counted.GetProperty("count").GetInt32());
        Assert.Equal((await KeysAsync(Proxy, "", "--prefix")).Count, inside);
    }

    [Fact]
    public async Task Del_Prefix_Deletes_Only_Inside_The_Namespace()
    {
        await Ok(Proxy, "put", "del/a", "1");
        await Ok(Proxy, "put", "del/b", "2");
        await Ok(Direct, "put", "del/a", "outside, same name");

        Assert.Equal("2\n", (await Ok(Proxy, "del", "del/", "--prefix")).StdOut);

        Assert.Equal("", (await Ok(Direct, "get", "ns/del/", "--prefix")).StdOut);
        Assert.Equal("del/a\noutside, same name\n", (await Ok(Direct, "get", "del/a")).StdOut);
    }

    [Fact]
    public async Task Txn_Compares_And_Operations_Are_Inside_The_Namespace()
    {
        await Ok(Direct, "put", "ns/txn/guard", "1");
        await Ok(Direct, "put", "txn/guard", "outside");

        var txn = await Etcdctl.RunAsync(Proxy, ["txn"], Timeout,
            "value(\"txn/guard\") = \"1\"\n\nput txn/result ok\nget txn/guard\n\nput txn/result failed\n\n");

        Assert.True(txn.Succeeded, txn.ToString());
        Assert.Equal("SUCCESS\n\nOK\n\ntxn/guard\n1\n", txn.StdOut);
        Assert.Equal("ns/txn/result\nok\n", (await Ok(Direct, "get", "ns/txn/result")).StdOut);
        Assert.Equal("", (await Ok(Direct, "get", "txn/result")).StdOut);
    }

    [Fact]
    public async Task A_Watch_On_Everything_Sees_Only_The_Namespace_With_Keys_Stripped()
    {
        using var watch = Etcdctl.StartLongRunning(Proxy, "watch", "", "--prefix", "--prev-kv");
        try
        {
            var lines = new LineReader(watch);
            await Task.Delay(500);
            await Ok(Direct, "put", "outside/w", "never seen");
            await Ok(Direct, "put", "ns/w/1", "a");
            await Ok(Proxy, "put", "w/1", "b");
            await Ok(Direct, "put", "ns0", "never seen either");
            await Ok(Proxy, "del", "w/1");

            string[] expected = ["PUT", "w/1", "a", "PUT", "w/1", "a", "w/1", "b", "DELETE", "w/1", "b", "w/1"];
            foreach (var line in expected)
            {
                Assert.Equal(line, await lines.ReadAsync(Timeout));
            }
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Lease_TimeToLive_Lists_Only_The_Namespaces_Keys()
    {
        var id = LeaseId().Match((await Ok(Proxy, "lease", "grant", "60")).StdOut).Groups[1].Value;
        await Ok(Proxy, "put", "leased/a", "1", $"--lease={id}");
        await Ok(Direct, "put", "leased-outside", "2", $"--lease={id}");

        Assert.Contains("attached keys([leased/a])", (await Ok(Proxy, "lease", "timetolive", id, "--keys")).StdOut, StringComparison.Ordinal);
        var direct = (await Ok(Direct, "lease", "timetolive", id, "--keys")).StdOut;
        Assert.Contains("ns/leased/a", direct, StringComparison.Ordinal);
        Assert.Contains("leased-outside", direct, StringComparison.Ordinal);

        await Ok(Proxy, "lease", "revoke", id);
    }

    [Fact]
    public async Task Lock_Holds_Its_Key_Inside_The_Namespace()
    {
        using var holder = Etcdctl.StartLongRunning(Proxy, "lock", "ctl-lock");
        try
        {
            var key = await new LineReader(holder).ReadAsync(Timeout);
            Assert.StartsWith("ctl-lock/", key, StringComparison.Ordinal);
            Assert.Equal([$"ns/{key}"], await KeysAsync(Direct, "ns/ctl-lock/", "--prefix"));
            Assert.Empty(await KeysAsync(Direct, "ctl-lock/", "--prefix"));
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Elect_Campaigns_Inside_The_Namespace_And_Observers_There_See_It()
    {
        using var candidate = Etcdctl.StartLongRunning(Proxy, "elect", "ctl-election", "p1");
        try
        {
            var lines = new LineReader(candidate);
            var leaderKey = await lines.ReadAsync(Timeout);
            Assert.StartsWith("ctl-election/", leaderKey, StringComparison.Ordinal);
            Assert.Equal("p1", await lines.ReadAsync(Timeout));
            Assert.Equal([$"ns/{leaderKey}"], await KeysAsync(Direct, "ns/ctl-election/", "--prefix"));

            using var observer = Etcdctl.StartLongRunning(Proxy, "elect", "-l", "ctl-election");
            try
            {
                var seen = new LineReader(observer);
                Assert.Equal(leaderKey, await seen.ReadAsync(Timeout));
                Assert.Equal("p1", await seen.ReadAsync(Timeout));
            }
            finally
            {
                observer.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            candidate.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Compaction_Is_The_Whole_Clusters_And_Passes_Unchanged()
    {
        var revision = JsonDocument.Parse((await Ok(Proxy, "put", "compact/k", "v", "--write-out=json")).StdOut)
            .RootElement.GetProperty("header").GetProperty("revision").GetInt64();
        Assert.Contains($"compacted revision {revision}", (await Ok(Proxy, "compaction", $"{revision}")).StdOut, StringComparison.Ordinal);
        var old = await Etcdctl.RunAsync(Direct, ["get", "outside", $"--rev={revision - 1}"], Timeout);
        Assert.Contains("required revision has been compacted", old.StdErr, StringComparison.Ordinal);
    }

    private static async Task<CommandResult> Ok(string endpoint, params string[] args)
    {
        var result = await Etcdctl.RunAsync(endpoint, args, Timeout);
        Assert.True(result.Succeeded, $"etcdctl {string.Join(' ', args)} via {endpoint}: {result}");
        return result;
    }

    /// <summary>The keys a get returns, read from its JSON so an empty key would show too.</summary>
    private static async Task<List<string>> KeysAsync(string endpoint, string key, params string[] options)
    {
        var json = JsonDocument.Parse((await Ok(endpoint, ["get", key, "--keys-only", "--write-out=json", .. options])).StdOut).RootElement;
        return json.TryGetProperty("kvs", out var kvs)
            ? [.. kvs.EnumerateArray().Select(kv => Encoding.UTF8.GetString(kv.TryGetProperty("key", out var k) ? k.GetBytesFromBase64() : []))]
            : [];
    }

    [GeneratedRegex("lease ([0-9a-f]+) granted")]
    private static partial Regex LeaseId();
}
