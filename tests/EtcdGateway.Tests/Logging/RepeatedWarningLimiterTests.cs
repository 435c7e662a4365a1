using System.Net;
using System.Text;
using System.Text.Json;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Tests.Logging;

/// <summary>A warning logged per client is written once per interval at most, the next line counting those left out.</summary>
public class RepeatedWarningLimiterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public void TheFirstIsLogged_ThoseWithinTheInterval_AreCounted_AndTheNextLineCarriesTheCount()
    {
        var time = new ManualTimeProvider();
        var limiter = new RepeatedWarningLimiter(time, Interval);

        Assert.True(limiter.ShouldLog(out var first));
        Assert.Equal(0, first);
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(400));
            Assert.False(limiter.ShouldLog(out _));
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.ShouldLog(out var leftOut));
        Assert.Equal(10, leftOut);

        time.Advance(Interval);
        Assert.True(limiter.ShouldLog(out var none));
        Assert.Equal(0, none);
    }

    [Fact]
    public void AClientHammeringADeadCluster_GetsOneNoneLeftLinePerInterval()
    {
        var time = new ManualTimeProvider();
        using var output = new MemoryStream();
        using var logger = new JsonLogger(output, LogLevel.Info, time);
        var picker = new EndpointPicker(new EndpointRegistry([], time), new RoundRobinPickPolicy(), logger, () => TimeSpan.FromMinutes(1), time);

        for (var i = 0; i < 1000; i++)
        {
            Assert.Null(picker.NewSelection().Next(() => "127.0.0.1:5000", "no member available; failing the call"));
        }

        time.Advance(Interval);
        Assert.Null(picker.NewSelection().Next(() => "127.0.0.1:5000", "no member available; failing the call"));

        var lines = Encoding.UTF8.GetString(output.ToArray()).TrimEnd('\n').Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["no member available; failing the call", "no member available; failing the call"], lines.Select(l => l.GetProperty("msg").GetString()));
        Assert.Equal([0, 999], lines.Select(l => l.GetProperty("suppressed").GetInt64()));
    }
}
