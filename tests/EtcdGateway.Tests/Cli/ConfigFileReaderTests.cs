using EtcdGateway.Cli;

namespace EtcdGateway.Tests.Cli;

public sealed class ConfigFileReaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"gw-config-{Guid.NewGuid():N}.yaml");

    public void Dispose() => File.Delete(_path);

    private ParsedFlags Read(string yaml)
    {
        File.WriteAllText(_path, yaml);
        return ConfigFileReader.Read(_path, GatewayFlags.All);
    }

    [Fact]
    public void KeysAreFlagNames_ListsAndScalars()
    {
        var flags = Read("""
            endpoints:
              - 127.0.0.1:12379
              - 127.0.0.1:22379
            health-interval: 2s
            insecure-discovery: true
            pick-policy: least-connections
            """);
        Assert.Equal(["127.0.0.1:12379", "127.0.0.1:22379"], flags.All("endpoints"));
        Assert.Equal("2s", flags.Last("health-interval"));
        Assert.Equal("true", flags.Last("insecure-discovery"));
        Assert.Equal("least-connections", flags.Last("pick-policy"));
    }

    [Fact]
    public void FlowListAndCommaString_AreBothLists()
    {
        Assert.Equal(["a:1", "b:2"], Read("endpoints: [a:1, b:2]").All("endpoints"));
        Assert.Equal(["a:1", "b:2"], Read("endpoints: a:1,b:2").All("endpoints"));
    }

    [Fact]
    public void EmptyFile_SetsNothing() => Assert.False(Read("").IsSet("endpoints"));

    [Theory]
    [InlineData("endpoint: [a:1]", "unknown key \"endpoint\"")]
    [InlineData("config-file: other.yaml", "unknown key \"config-file\"")]
    [InlineData("health-interval: [1s, 2s]", "takes a single value")]
    [InlineData("endpoints: {a: 1}", "takes a list or a string")]
    [InlineData("- just\n- a list", "expected a mapping")]
    [InlineData("endpoints: [a:1\nhealth: x", "not valid YAML")]
    [InlineData("endpoints: \"a:1", "line")]
    public void Mistakes_NameTheFileAndSayWhat(string yaml, string reason)
    {
        var error = Assert.Throws<UsageException>(() => Read(yaml));
        Assert.StartsWith($"invalid value \"{_path}\" for flag --config-file: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void MutatedFiles_OnlyEverGiveUsageErrors()
    {
        const string seed = "endpoints:\n  - 127.0.0.1:12379\n  - [::1]:2379\nhealth-interval: 2s\ninsecure-discovery: true\npick-policy: random\n";
        var random = new Random(12379);
        const string alphabet = ":-[]{}\"'#&*!|>%@`,\n \t0a";
        for (var i = 0; i < 1500; i++)
        {
            var chars = seed.ToCharArray();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            try
            {
                Read(new string(chars));
            }
            catch (UsageException)
            {
            }
        }
    }

    [Fact]
    public void CommandLineFlags_WinOverTheFile()
    {
        File.WriteAllText(_path, "endpoints: [a:1, b:2]\nretry-delay: 5s\ndial-timeout: 1s\n");
        var commandLine = FlagParser.Parse([$"--config-file={_path}", "--retry-delay=7s"], GatewayFlags.All);

        var options = GatewayConfiguration.Load(commandLine);

        Assert.Equal(["a:1", "b:2"], options.Endpoints.Select(e => e.ToString()));
        Assert.Equal(TimeSpan.FromSeconds(7), options.RetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), options.DialTimeout);
        Assert.Equal(_path, options.ConfigFile);
    }

    [Fact]
    public void ABadValueInTheFile_IsReportedAgainstTheFile_NamingTheKeyAndValue()
    {
        File.WriteAllText(_path, "endpoints: [host:abc]\n");
        var error = Assert.Throws<UsageException>(() => GatewayConfiguration.Load(FlagParser.Parse([$"--config-file={_path}"], GatewayFlags.All)));
        Assert.Equal($"invalid value \"{_path}\" for flag --config-file: endpoints: invalid value \"host:abc\": port \"abc\" is not a number", error.Message);
    }

    [Fact]
    public void ABadValueOnTheCommandLine_IsStillReportedAgainstTheFlag()
    {
        File.WriteAllText(_path, "endpoints: [a:1]\n");
        var error = Assert.Throws<UsageException>(() => GatewayConfiguration.Load(FlagParser.Parse([$"--config-file={_path}", "--retry-delay=5"], GatewayFlags.All)));
        Assert.StartsWith("invalid value \"5\" for flag --retry-delay", error.Message, StringComparison.Ordinal);
    }
}
