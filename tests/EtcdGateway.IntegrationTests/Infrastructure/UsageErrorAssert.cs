namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>What every bad input must look like: exit code 2, nothing on stdout, one `etcd-gateway: ` line on stderr.</summary>
public static class UsageErrorAssert
{
    public static void IsUsageError(CommandResult result, string expected)
    {
        Assert.True(result.ExitCode == 2, $"expected exit code 2: {result}");
        Assert.Equal("", result.StdOut);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("etcd-gateway: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
