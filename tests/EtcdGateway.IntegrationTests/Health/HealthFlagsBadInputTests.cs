using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Health;

/// <summary>The health, membership and config-file flags: bad values are one line naming the flag and value, exit 2.</summary>
public sealed class HealthFlagsBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-badconfig-").FullName;

    public static TheoryData<string[], string> Cases => new()
    {
        { ["start", "--health-check=sometimes"], "invalid value \"sometimes\" for flag --health-check" },
        { ["start", "--health-interval=1"], "invalid value \"1\" for flag --health-interval" },
        { ["start", "--health-timeout=fast"], "invalid value \"fast\" for flag --health-timeout" },
        { ["start", "--eject-grace=-1s"], "invalid value \"-1s\" for flag --eject-grace" },
        { ["start", "--health-unhealthy-threshold=0"], "invalid value \"0\" for flag --health-unhealthy-threshold" },
        { ["start", "--health-healthy-threshold=many"], "invalid value \"many\" for flag --health-healthy-threshold" },
        { ["start", "--endpoints-auto-sync-interval=30"], "invalid value \"30\" for flag --endpoints-auto-sync-interval" },
        { ["start", "--config-file=/nonexistent.yaml"], "invalid value \"/nonexistent.yaml\" for flag --config-file" },
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_Health_Or_Membership_Flag_Is_One_Line_And_Exit_2(string[] args, string expected) =>
        UsageErrorAssert.IsUsageError(await GatewayProcess.RunToExitAsync(args), expected);

    [Theory]
    [InlineData("endpoints: [host:abc]\n")]
    [InlineData("endpoints: [127.0.0.1:2379\nhealth-interval: : :\n")]
    [InlineData("health-interval: 1\n")]
    public async Task Broken_Config_File_At_Start_Is_One_Line_Naming_Config_File_And_Exit_2(string yaml)
    {
        var path = Path.Combine(_dir, "broken.yaml");
        await File.WriteAllTextAsync(path, yaml);

        UsageErrorAssert.IsUsageError(await GatewayProcess.RunToExitAsync(["start", $"--config-file={path}"]), "--config-file");
    }

    [Theory]
    [InlineData("least-connections")]
    [InlineData("power-of-two-choices")]
    public async Task New_Pick_Policies_Are_Accepted(string policy)
    {
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints=127.0.0.1:{FreePorts.Next()}", $"--pick-policy={policy}"]);
        var ready = Assert.Single(gateway.LogEntries("ready to proxy client requests"));
        Assert.Equal(policy, ready.GetProperty("pick-policy").GetString());
    }
}
