using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The requests and readings the side-by-side tests send to a member, to ours and to etcd's proxy alike, so that each
/// test states only what it compares.
/// </summary>
internal static class SideBySideCalls
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public static CallOptions Options() => new(deadline: DateTime.UtcNow + CallTimeout);

    public static PutRequest Put(string key, string value) => new() { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) };

    public static WatchRequest Create(string key, long start, long id) => new()
    {
        CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(key), StartRevision = start, WatchId = id },
    };

    /// <summary>The next response on a watch stream in one line: id, created/canceled, events as TYPE key@mod_revision.</summary>
    public static async Task<string> NextAsync(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call)
    {
        Assert.True(await call.ResponseStream.MoveNext());
        var r = call.ResponseStream.Current;
        var events = string.Join(", ", r.Events.Select(e => $"{e.Type.ToString().ToUpperInvariant()} {e.Kv.Key.ToStringUtf8()}@{e.Kv.ModRevision}"));
        return $"id={r.WatchId}{(r.Created ? " created" : "")}{(r.Canceled ? " canceled " + r.CancelReason : "")}{(events.Length > 0 ? $" [{events}]" : "")}";
    }
}
