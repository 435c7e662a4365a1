using EtcdGateway.Grpc.Cache;

namespace EtcdGateway.Tests.Grpc.Cache;

/// <summary>An invalidation feed that only records what the store asked of it.</summary>
internal sealed class RecordingInvalidationFeed : IInvalidationFeed
{
    public List<IdentityWatches> Opened { get; } = [];

    public List<WatchedRange> Created { get; } = [];

    public List<WatchedRange> Cancelled { get; } = [];

    public List<IdentityWatches> Closed { get; } = [];

    public void Open(IdentityWatches watches) => Opened.Add(watches);

    public void Create(IdentityWatches watches, WatchedRange range) => Created.Add(range);

    public void Cancel(IdentityWatches watches, WatchedRange range) => Cancelled.Add(range);

    public void Close(IdentityWatches watches) => Closed.Add(watches);
}
