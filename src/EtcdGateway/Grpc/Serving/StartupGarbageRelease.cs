namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// Gives back the memory start-up left behind, once. Building the web host allocates a few MB that die at once (dependency
/// injection's reflection, route patterns, the first calls' type loading), far below the GC's young-generation budget (up to
/// 32 MiB, see the project file), so an idle proxy would never collect them: they would stay resident for as long as it
/// runs. One compacting collection that decommits what it frees, after serving began and the first clients were
/// answered, returns those pages; under load the GC runs on its own anyway.
/// </summary>
internal static class StartupGarbageRelease
{
    /// <summary>Late enough that the first calls (clients waiting for the proxy) are not held up by the collection.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(500);

    /// <summary>Collects once, <see cref="Delay"/> from now, unless <paramref name="stopping"/> comes first.</summary>
    public static async Task RunAsync(TimeProvider time, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(Delay, time, stopping);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
