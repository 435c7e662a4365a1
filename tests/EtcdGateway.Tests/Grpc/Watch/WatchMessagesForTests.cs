using EtcdGateway.Protos.Etcdserverpb;
using EtcdGateway.Protos.Mvccpb;
using Google.Protobuf;

namespace EtcdGateway.Tests.Grpc.Watch;

/// <summary>Watch requests and the responses a member would give, written short so that scenarios read as etcd's wire.</summary>
internal static class WatchMessagesForTests
{
    public static WatchRequest Create(long id = 0, long start = 0, string key = "k") =>
        new() { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(key), StartRevision = start, WatchId = id } };

    public static WatchRequest Cancel(long id) => new() { CancelRequest = new WatchCancelRequest { WatchId = id } };

    public static WatchRequest ProgressRequest() => new() { ProgressRequest = new WatchProgressRequest() };

    public static WatchResponse Created(long memberWatchId, long revision) =>
        new() { Header = Header(revision), WatchId = memberWatchId, Created = true };

    public static WatchResponse Refused(long revision, string reason) =>
        new() { Header = Header(revision), WatchId = -1, Created = true, Canceled = true, CancelReason = reason };

    public static WatchResponse CancelAnswer(long memberWatchId, long revision) =>
        new() { Header = Header(revision), WatchId = memberWatchId, Canceled = true };

    public static WatchResponse Compacted(long memberWatchId, long revision, long compactRevision) =>
        new() { Header = Header(revision), WatchId = memberWatchId, Canceled = true, CompactRevision = compactRevision };

    /// <summary>A response with one put per revision given, in that order, at <paramref name="revision"/>.</summary>
    public static WatchResponse Events(long memberWatchId, long revision, params long[] eventRevisions)
    {
        var response = new WatchResponse { Header = Header(revision), WatchId = memberWatchId };
        foreach (var modRevision in eventRevisions)
        {
            response.Events.Add(new Event { Type = Event.Types.EventType.Put, Kv = new KeyValue { Key = ByteString.CopyFromUtf8("k"), ModRevision = modRevision } });
        }

        return response;
    }

    public static WatchResponse Fragment(long memberWatchId, long revision, params long[] eventRevisions)
    {
        var response = Events(memberWatchId, revision, eventRevisions);
        response.Fragment = true;
        return response;
    }

    public static WatchResponse Progress(long memberWatchId, long revision) => new() { Header = Header(revision), WatchId = memberWatchId };

    public static long[] EventRevisions(WatchResponse response) => [.. response.Events.Select(e => e.Kv.ModRevision)];

    private static ResponseHeader Header(long revision) => new() { ClusterId = 1, MemberId = 2, Revision = revision, RaftTerm = 3 };
}
