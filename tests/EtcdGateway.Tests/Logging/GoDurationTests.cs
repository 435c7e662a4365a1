using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Logging;

public class GoDurationTests
{
    [Theory]
    [InlineData("300ms", 300_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("2h45m", 9_900_000_000_000L)]
    [InlineData("1m0s", 60_000_000_000L)]
    [InlineData("1m", 60_000_000_000L)]
    [InlineData("2s", 2_000_000_000L)]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("1h1m1s1ms", 3_661_001_000_000L)]
    [InlineData("1.5s", 1_500_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("500us", 500_000L)]
    [InlineData("500µs", 500_000L)]
    [InlineData("1000ns", 1_000L)]
    [InlineData("-2s", -2_000_000_000L)]
    [InlineData("+2s", 2_000_000_000L)]
    public void TryParse_AcceptsGoSyntax(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value, out var error), error);
        Assert.Equal(nanoseconds / 100, value.Ticks);
    }

    [Theory]
    [InlineData("123", "missing unit")]
    [InlineData("", "invalid duration")]
    [InlineData("s", "invalid duration")]
    [InlineData("1x", "unknown unit")]
    [InlineData("1.2.3s", "invalid duration")]
    [InlineData("1 s", "unknown unit")]
    [InlineData("-", "invalid duration")]
    [InlineData("10ss", "unknown unit")]
    [InlineData("99999999999999999999999h", "out of range")]
    [InlineData("3000000h", "out of range")]
    [InlineData("2562047h47m17s", "out of range")]
    public void TryParse_RejectsWhatGoRejects(string text, string reason)
    {
        Assert.False(GoDuration.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(60_000L, "1m0s")]
    [InlineData(2_000L, "2s")]
    [InlineData(30_000L, "30s")]
    [InlineData(300L, "300ms")]
    [InlineData(1_500L, "1.5s")]
    [InlineData(9_900_000L, "2h45m0s")]
    [InlineData(3_600_000L, "1h0m0s")]
    [InlineData(0L, "0s")]
    [InlineData(-2_000L, "-2s")]
    public void Format_PrintsLikeGo(long milliseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void TryParse_GosLargestDuration_IsAccepted() =>
        Assert.True(GoDuration.TryParse("2562047h47m16s", out _, out _));

    [Theory]
    [InlineData("1ns")]
    [InlineData("99ns")]
    public void TryParse_BelowTickResolution_RoundsUpInsteadOfToZero(string text)
    {
        Assert.True(GoDuration.TryParse(text, out var value, out _));
        Assert.Equal(1, value.Ticks);
    }

    [Fact]
    public void Format_SubMillisecond_UsesMicroseconds() =>
        Assert.Equal("1.5µs", GoDuration.Format(TimeSpan.FromTicks(15)));

    [Theory]
    [InlineData("1m0s")]
    [InlineData("2h45m0s")]
    [InlineData("300ms")]
    [InlineData("1.5s")]
    public void Format_RoundTripsThroughTryParse(string text)
    {
        Assert.True(GoDuration.TryParse(text, out var value, out _));
        Assert.Equal(text, GoDuration.Format(value));
    }
}
