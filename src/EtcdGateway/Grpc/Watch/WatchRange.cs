using Google.Protobuf;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// The keys a watcher covers, as the cluster names them (namespace applied): what client watchers must have in common to
/// share one cluster watcher. <see cref="ByteString"/> compares by content, so two creates for the same range meet.
/// </summary>
internal readonly record struct WatchRange(ByteString Key, ByteString RangeEnd);
