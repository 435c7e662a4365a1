using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One response of a shared cluster watcher as its history keeps it: whole revisions (the cluster watcher never asks for
/// fragments), in revision order, with the header the member sent them under (a catch-up batch carries the store's newer
/// revision, a live one its own), keys already in the client's key space.
/// </summary>
internal sealed class HistoryEntry
{
    public HistoryEntry(ResponseHeader header, IReadOnlyList<Event> events)
    {
        if (events.Count == 0)
        {
            throw new ArgumentException("a history entry holds at least one event", nameof(events));
        }

        Header = header;
        Events = events;
        FirstRevision = events[0].Kv.ModRevision;
        LastRevision = events[^1].Kv.ModRevision;
        Bytes = events.Sum(e => (long)e.CalculateSize());
    }

    public ResponseHeader Header { get; }

    public IReadOnlyList<Event> Events { get; }

    public long FirstRevision { get; }

    public long LastRevision { get; }

    /// <summary>The events' encoded size: what the history's byte limit counts.</summary>
    public long Bytes { get; }
}
