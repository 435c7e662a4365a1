using EtcdGateway.Grpc.Serving;

namespace EtcdGateway.Tests.Grpc.Serving;

/// <summary>The one collection after start (<see cref="StartupGarbageRelease"/>): made after its delay, skipped when stopping first.</summary>
public sealed class StartupGarbageReleaseTests
{
    [Fact]
    public async Task Collects_The_Oldest_Generation_Once_The_Delay_Has_Passed()
    {
        var before = GC.CollectionCount(GC.MaxGeneration);

        await StartupGarbageRelease.RunAsync(TimeProvider.System, CancellationToken.None);

        Assert.True(GC.CollectionCount(GC.MaxGeneration) > before);
    }

    [Fact]
    public async Task Stopping_Before_The_Delay_Ends_It_At_Once()
    {
        using var stopping = new CancellationTokenSource();
        var run = StartupGarbageRelease.RunAsync(TimeProvider.System, stopping.Token);
        Assert.False(run.IsCompleted);

        await stopping.CancelAsync();

        await run.WaitAsync(StartupGarbageRelease.Delay / 2);
    }
}
