using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Discovery;
using EtcdGateway.IntegrationTests.Infrastructure;
using static EtcdGateway.IntegrationTests.Health.HealthTestSupport;

namespace EtcdGateway.IntegrationTests.Health;

/// <summary>
/// The HTTPS health probe checks a member's certificate as curl, etcdctl and Go do: through the intermediates the member
/// sends, up to a root of <c>--health-cacert</c>. A member that leaves its intermediate out is not trusted, and SIGHUP
/// reads the CA file again, so a fixed file under the same path takes effect.
/// </summary>
public sealed partial class TlsIntermediateCaHealthTests(IntermediateCaClusterFixture fixture) : IClassFixture<IntermediateCaClusterFixture>, IDisposable
{
    private const string Deactivated = "deactivated endpoint";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly EtcdCluster _cluster = fixture.Cluster;
    private readonly string _dir = Directory.CreateTempSubdirectory("etcd-gw-pki-").FullName;

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

    [Fact]
    public async Task Member_Sending_Its_Intermediate_Is_Up_To_A_Probe_Holding_Only_The_Root_And_One_Leaving_It_Out_Is_Down()
    {
        var (m0, m1) = (_cluster.Members[0], _cluster.Members[1]);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = await GatewayProcess.StartAsync([
            $"--endpoints={m0.ClientUrl},{m1.ClientUrl}", $"--health-cacert={fixture.Root.CertificatePath}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        var status = await WaitForStatusAsync(http, s => State(s, m0.ClientAddress) == "up" && State(s, m1.ClientAddress) == "down");
        Assert.True(
            State(status, m0.ClientAddress) == "up" && State(status, m1.ClientAddress) == "down",
            $"expected {m0.ClientAddress} up and {m1.ClientAddress} down: {status}\n--- gateway log ---\n{gateway.Log}");
        Assert.False(status.GetProperty("panic").GetBoolean(), $"not panic mode: {status}");

        var deactivated = Assert.Single(Entries(gateway, Deactivated));
        Assert.Equal(m1.ClientAddress, Field(deactivated, "address"));
        Assert.True(ChainReason().IsMatch(Field(deactivated, "error")), $"the reason should say the certificate does not chain to the CA: {deactivated}");

        // Clients holding only the root reach the member through the gateway too; the gateway only relays the bytes.
        var put = await Etcdctl.RunTlsAsync($"https://127.0.0.1:{gateway.ListenPort}", fixture.Root.CertificatePath, "put", "pki/chain", "ok");
        Assert.True(put.Succeeded, $"put through the gateway: {put}\n--- gateway log ---\n{gateway.Log}");
    }

    [Fact]
    public async Task Member_Down_For_An_Unrelated_Ca_File_Is_Up_After_The_File_Is_Fixed_Under_The_Same_Path_And_Sighup()
    {
        var m0 = _cluster.Members[0];
        var caFile = Path.Combine(_dir, "health-ca.crt");
        await File.WriteAllTextAsync(caFile, await File.ReadAllTextAsync(fixture.Unrelated.CertificatePath));
        var config = Path.Combine(_dir, "gateway.yaml");
        WriteConfig(config, $"endpoints: [{m0.ClientUrl}]\nhealth-interval: 1s\n");
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = await GatewayProcess.StartAsync([$"--config-file={config}", $"--health-cacert={caFile}", $"--metrics-addr={admin}"]);
        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = Timeout };

        var deactivated = await gateway.WaitForLogAsync(Deactivated, Timeout, e => Field(e, "address") == m0.ClientAddress);
        Assert.True(ChainReason().IsMatch(Field(deactivated, "error")), $"the reason should say the certificate does not chain to the CA: {deactivated}");
        var before = await WaitForStatusAsync(http, s => s.GetProperty("panic").GetBoolean());
        Assert.True(before.GetProperty("panic").GetBoolean(), $"the only member is down, so panic mode: {before}");

        await File.WriteAllTextAsync(caFile, await File.ReadAllTextAsync(fixture.Root.CertificatePath));
        Posix.Signal(gateway.Pid, SigHup);
        await gateway.WaitForLogAsync("reloaded configuration", Timeout);

        var after = await WaitForStatusAsync(http, s => State(s, m0.ClientAddress) == "up");
        Assert.True(State(after, m0.ClientAddress) == "up", $"{m0.ClientAddress} should be up once the CA file holds its root: {after}\n--- gateway log ---\n{gateway.Log}");
        Assert.False(after.GetProperty("panic").GetBoolean(), $"not panic mode any more: {after}");
    }

    private static async Task<JsonElement> WaitForStatusAsync(HttpClient admin, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            using var document = JsonDocument.Parse(await admin.GetStringAsync("/status"));
            var status = document.RootElement.Clone();
            if (condition(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(PollInterval);
        }
    }

    private static string? State(JsonElement status, string address) =>
        status.GetProperty("endpoints").EnumerateArray()
            .Where(e => e.GetProperty("address").GetString() == address)
            .Select(e => e.GetProperty("state").GetString())
            .FirstOrDefault();

    [GeneratedRegex(@"chain|\bca\b|trust|root|issuer|authority", RegexOptions.IgnoreCase)]
    private static partial Regex ChainReason();
}
