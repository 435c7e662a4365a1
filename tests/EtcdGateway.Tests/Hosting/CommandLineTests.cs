using EtcdGateway.Cli;
using EtcdGateway.Hosting;

namespace EtcdGateway.Tests.Hosting;

public class CommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(
            args, stdout, stderr, _ => throw new InvalidOperationException("these tests never start a gateway"), (_, _) => throw new InvalidOperationException("these tests never start a proxy"));
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("start", "--help")]
    [InlineData("gateway", "start", "--help")]
    [InlineData("start", "-h")]
    public async Task StartHelp_ListsEveryFlagWithItsDefault(params string[] args)
    {
        var (code, stdout, _) = await Run(args);
        Assert.Equal(0, code);
        foreach (var flag in GatewayFlags.All)
        {
            var line = Assert.Single(stdout.Split('\n'), l => l.TrimStart().StartsWith($"--{flag.Name} ", StringComparison.Ordinal) || l.Trim() == $"--{flag.Name}" || l.TrimStart().StartsWith($"--{flag.Name}  ", StringComparison.Ordinal));
            if (flag.DefaultText.Length > 0)
            {
                Assert.Contains($"(default {(flag.Kind is FlagKind.String or FlagKind.StringList ? $"\"{flag.DefaultText}\"" : flag.DefaultText)})", line, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task EtcdDefaults_AppearInHelp()
    {
        var (_, stdout, _) = await Run("start", "--help");
        Assert.Contains("(default \"127.0.0.1:2379\")", stdout, StringComparison.Ordinal);
        Assert.Contains("(default \"127.0.0.1:23790\")", stdout, StringComparison.Ordinal);
        Assert.Contains("(default 1m0s)", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("gateway", "--help")]
    public async Task HelpAtEveryLevel_ExitsZero(params string[] args)
    {
        var (code, stdout, _) = await Run(args);
        Assert.Equal(0, code);
        Assert.Contains("start", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var (code, stdout, _) = await Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("etcd-gateway Version: ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "stop" }, "unknown command \"stop\"")]
    [InlineData(new[] { "gateway", "stop" }, "unknown command \"stop\"")]
    [InlineData(new[] { "grpc-proxy", "stop" }, "unknown command \"stop\" for \"etcd-gateway grpc-proxy\"")]
    [InlineData(new[] { "grpc-proxy", "start", "--bogus" }, "unknown flag: --bogus")]
    [InlineData(new[] { "grpc-proxy", "start", "--max-send-bytes=1.5MiB" }, "invalid value \"1.5MiB\" for flag --max-send-bytes")]
    [InlineData(new[] { "grpc-proxy", "start", "--experimental-leasing-prefix=_lease" }, "flag --experimental-leasing-prefix=\"_lease\" is not supported yet")]
    [InlineData(new[] { "grpc-proxy", "start", "--retry-delay=123" }, "invalid value \"123\" for flag --retry-delay")]
    [InlineData(new[] { "start", "--bogus" }, "unknown flag: --bogus")]
    [InlineData(new[] { "start", "--retry-delay=123" }, "invalid value \"123\" for flag --retry-delay")]
    [InlineData(new[] { "gateway", "start", "--endpoints=host:abc" }, "invalid value \"host:abc\" for flag --endpoints")]
    public async Task BadInput_OneLineOnStderr_ExitCode2(string[] args, string expected)
    {
        var (code, stdout, stderr) = await Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("etcd-gateway: ", stderr, StringComparison.Ordinal);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grpc-proxy", "start", "--help")]
    [InlineData("grpc-proxy", "start", "-h")]
    public async Task GrpcProxyStartHelp_ListsEveryFlagWithItsDefault(params string[] args)
    {
        var (code, stdout, _) = await Run(args);
        Assert.Equal(0, code);
        Assert.StartsWith("etcd-gateway grpc-proxy start:", stdout, StringComparison.Ordinal);
        foreach (var flag in GrpcProxyFlags.All)
        {
            var line = Assert.Single(stdout.Split('\n'), l => l.TrimStart().StartsWith($"--{flag.Name} ", StringComparison.Ordinal) || l.Trim() == $"--{flag.Name}");
            if (flag.DefaultText.Length > 0)
            {
                Assert.Contains($"(default {(flag.Kind is FlagKind.String or FlagKind.StringList ? $"\"{flag.DefaultText}\"" : flag.DefaultText)})", line, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task GrpcProxyHelp_NamesStart()
    {
        var (code, stdout, _) = await Run("grpc-proxy", "--help");
        Assert.Equal(0, code);
        Assert.Contains("etcd-gateway grpc-proxy start [flags]", stdout, StringComparison.Ordinal);
        var (bareCode, _, stderr) = await Run("grpc-proxy");
        Assert.Equal(2, bareCode);
        Assert.Contains("grpc-proxy start", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCommand_PrintsUsageAndExits2()
    {
        var (code, _, stderr) = await Run();
        Assert.Equal(2, code);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
    }
}
