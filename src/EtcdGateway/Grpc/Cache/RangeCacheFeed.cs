using System.Collections.Concurrent;
using EtcdGateway.Logging;
using Grpc.Core;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// The watches that keep the cache true: one <see cref="FeedStream"/> per identity, opened and closed as the store asks,
/// and a heartbeat that asks each for progress (so a hung member is noticed within <see cref="RangeCacheOptions.HeardWithin"/>)
/// and lets the store sweep. Everything ends with <c>stopping</c> (the proxy's drain).
/// </summary>
internal sealed class RangeCacheFeed(CallInvoker cluster, RangeCacheOptions options, JsonLogger logger, TimeProvider time, CancellationToken stopping) : IInvalidationFeed
{
    private readonly ConcurrentDictionary<IdentityWatches, FeedStream> _streams = new(ReferenceEqualityComparer.Instance);
    private RangeCacheStore? _store;

    /// <summary>Binds the store the streams report to (the two need each other) and starts the heartbeat.</summary>
    public void Start(RangeCacheStore store)
    {
        _store = store;
        _ = HeartbeatAsync();
    }

    public void Open(IdentityWatches watches)
    {
        var stream = new FeedStream(watches, stopping);
        _streams[watches] = stream;
        var store = _store ?? throw new InvalidOperationException("the feed is started before the store is used");
        _ = Task.Run(async () =>
        {
            await stream.RunAsync(cluster, store, logger);
            _streams.TryRemove(watches, out _);
        });
    }

    public void Create(IdentityWatches watches, WatchedRange range)
    {
        if (_streams.TryGetValue(watches, out var stream))
        {
            stream.Create(range);
        }
    }

    public void Cancel(IdentityWatches watches, WatchedRange range)
    {
        if (_streams.TryGetValue(watches, out var stream))
        {
            stream.Cancel(range);
        }
    }

    public void Close(IdentityWatches watches)
    {
        if (_streams.TryRemove(watches, out var stream))
        {
            // Not inline: cancelling can run the stream's own ending, which reports to the store whose lock the caller holds.
            _ = Task.Run(stream.Close);
        }
    }

    private async Task HeartbeatAsync()
    {
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(options.HeartbeatInterval, time, stopping);
                _store!.Sweep();
                foreach (var stream in _streams.Values)
                {
                    stream.AskProgress();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The proxy is stopping.
        }
        catch (Exception e)
        {
            logger.Error("range cache heartbeat failed; cached answers are no longer served", [.. LogField.Unexpected(e)]);
        }
    }
}
