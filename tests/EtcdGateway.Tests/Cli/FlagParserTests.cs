using EtcdGateway.Cli;

namespace EtcdGateway.Tests.Cli;

public class FlagParserTests
{
    private static ParsedFlags Parse(params string[] args) => FlagParser.Parse(args, GatewayFlags.All);

    [Fact]
    public void EqualsAndSpaceSeparatedValues_AreTheSame()
    {
        Assert.Equal("1s", Parse("--retry-delay=1s").Last("retry-delay"));
        Assert.Equal("1s", Parse("--retry-delay", "1s").Last("retry-delay"));
    }

    [Fact]
    public void SingleDash_IsAcceptedLikeGoFlags() =>
        Assert.Equal("1s", Parse("-retry-delay=1s").Last("retry-delay"));

    [Fact]
    public void ListFlag_SplitsCommasAndAppendsOnRepeat()
    {
        var flags = Parse("--endpoints=a:1,b:2", "--endpoints", "c:3");
        Assert.Equal(["a:1", "b:2", "c:3"], flags.All("endpoints"));
    }

    [Fact]
    public void SingleValuedFlag_LastOneWins() =>
        Assert.Equal("2s", Parse("--retry-delay=1s", "--retry-delay=2s").Last("retry-delay"));

    [Theory]
    [InlineData("--insecure-discovery", "true")]
    [InlineData("--insecure-discovery=false", "false")]
    [InlineData("--insecure-discovery=1", "1")]
    public void BoolFlag_StandsAloneOrTakesAnInlineValue(string arg, string expected) =>
        Assert.Equal(expected, Parse(arg).Last("insecure-discovery"));

    [Fact]
    public void BoolFlag_DoesNotSwallowTheNextArgument()
    {
        var error = Assert.Throws<UsageException>(() => Parse("--insecure-discovery", "false"));
        Assert.Equal("unexpected argument \"false\"", error.Message);
    }

    [Fact]
    public void UnknownFlag_IsNamed()
    {
        var error = Assert.Throws<UsageException>(() => Parse("--endpoint=a:1"));
        Assert.Equal("unknown flag: --endpoint", error.Message);
    }

    [Fact]
    public void MissingValue_IsNamed()
    {
        var error = Assert.Throws<UsageException>(() => Parse("--listen-addr"));
        Assert.Equal("flag needs an argument: --listen-addr", error.Message);
    }

    [Fact]
    public void BadBool_NamesFlagAndValue()
    {
        var error = Assert.Throws<UsageException>(() => Parse("--insecure-discovery=maybe"));
        Assert.Contains("\"maybe\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("--insecure-discovery", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    public void Help_IsRecognisedAnywhere(string arg) =>
        Assert.True(Parse("--retry-delay=1s", arg).HelpRequested);

    [Fact]
    public void Positional_IsRejected()
    {
        var error = Assert.Throws<UsageException>(() => Parse("extra"));
        Assert.Equal("unexpected argument \"extra\"", error.Message);
    }
}
