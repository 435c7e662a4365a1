using System.Text;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>
/// The operations guide's key-value tour with etcdctl (put, get and its options, txn both ways, del, del --prefix), as a
/// transcript with the run's key prefix replaced, so a run through a proxy and a run against a member compare as text.
/// </summary>
public static class EtcdctlKeyValueTour
{
    public static async Task<string> RunAsync(string endpoint, string prefix, TimeSpan timeout)
    {
        var transcript = new StringBuilder();
        async Task Step(string? stdin, params string[] args)
        {
            var result = await Etcdctl.RunAsync(endpoint, args, timeout, stdin);
            Assert.True(result.Succeeded, $"etcdctl {string.Join(' ', args)} via {endpoint}: {result}");
            transcript.Append("$ ").AppendLine(string.Join(' ', args).Replace(prefix, "P", StringComparison.Ordinal));
            transcript.AppendLine(result.StdOut.Replace(prefix, "P", StringComparison.Ordinal));
        }

        await Step(null, "put", $"{prefix}/foo", "bar");
        await Step(null, "put", $"{prefix}/foo1", "bar1");
        await Step(null, "put", $"{prefix}/foo2", "bar2");
        await Step(null, "get", $"{prefix}/foo");
        await Step(null, "get", $"{prefix}/foo", "--print-value-only");
        await Step(null, "get", "--prefix", $"{prefix}/");
        await Step(null, "get", "--prefix", $"{prefix}/", "--limit=2", "--sort-by=MODIFY", "--order=DESCEND");
        await Step(null, "get", $"{prefix}/foo", $"{prefix}/foo2", "--keys-only");
        await Step($"value(\"{prefix}/foo\") = \"bar\"\n\nput {prefix}/txn success\n\nput {prefix}/txn failure\n\n", "txn");
        await Step($"value(\"{prefix}/foo\") = \"nope\"\n\nput {prefix}/txn success\n\nput {prefix}/txn failure\n\n", "txn");
        await Step(null, "get", $"{prefix}/txn");
        await Step(null, "del", $"{prefix}/foo", "--prev-kv");
        await Step(null, "del", "--prefix", $"{prefix}/");
        await Step(null, "get", "--prefix", $"{prefix}/");
        return transcript.ToString();
    }
}
