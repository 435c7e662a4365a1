using EtcdGateway.Grpc.Metrics;
using EtcdGateway.Grpc.Watch;
using EtcdGateway.Protos.Etcdserverpb;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>Catch-up places: at most the limit at once, the rest in line, a freed place handed to the longest waiting.</summary>
public class CatchUpLimiterTests
{
    [Fact]
    public void Beyond_The_Limit_Watchers_Wait_And_A_Freed_Place_Goes_To_The_First_In_Line()
    {
        var metrics = new WatchCoalescingMetrics();
        var limiter = new CatchUpLimiter(1, metrics);
        var (first, firstWakes) = Watcher();
        var (second, secondWakes) = Watcher();
        var (third, thirdWakes) = Watcher();

        Assert.True(limiter.TryEnter(first));
        Assert.False(limiter.TryEnter(second));
        Assert.False(limiter.TryEnter(third));
        Assert.False(limiter.TryEnter(second));
        Assert.Equal(2, metrics.CatchUpsWaiting);

        limiter.Leave(first);

        Assert.Equal((1, 0), (secondWakes(), thirdWakes()));
        Assert.True(limiter.TryEnter(second));
        Assert.False(limiter.TryEnter(third));
        Assert.Equal(1, metrics.CatchUpsWaiting);
        Assert.Equal(0, firstWakes());
    }

    [Fact]
    public void A_Watcher_That_Leaves_The_Line_Gives_Up_Its_Turn()
    {
        var metrics = new WatchCoalescingMetrics();
        var limiter = new CatchUpLimiter(1, metrics);
        var (first, _) = Watcher();
        var (second, secondWakes) = Watcher();
        var (third, thirdWakes) = Watcher();
        limiter.TryEnter(first);
        limiter.TryEnter(second);
        limiter.TryEnter(third);

        limiter.Leave(second);
        limiter.Leave(first);

        Assert.Equal((0, 1), (secondWakes(), thirdWakes()));
        Assert.True(limiter.TryEnter(third));
        Assert.Equal(0, metrics.CatchUpsWaiting);
        Assert.Equal(1, limiter.Holding);
    }

    private static (ClientWatcher Watcher, Func<int> Wakes) Watcher()
    {
        var wakes = 0;
        var watcher = new ClientWatcher(0, 1, new WatchCreateRequest()) { WakeSession = () => wakes++ };
        return (watcher, () => wakes);
    }
}
