using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// The options of the call made to the cluster on a client's behalf: the client's metadata (etcd's <c>token</c> and
/// <c>authorization</c>, <c>hasleader</c>, anything else it sent), its deadline and its cancellation. Headers that belong
/// to the connection or to gRPC's framing are not copied; the member's channel writes its own.
/// </summary>
internal static class ForwardedCallOptions
{
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "connection", "keep-alive", "te", "transfer-encoding", "upgrade", "content-type", "content-length", "user-agent",
        "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-message-type", "accept-encoding",
    };

    public static CallOptions From(ServerCallContext context)
    {
        var headers = new Metadata();
        foreach (var entry in context.RequestHeaders)
        {
            if (!entry.Key.StartsWith(':') && !NotForwarded.Contains(entry.Key))
            {
                headers.Add(entry);
            }
        }

        // No deadline arrives as DateTime.MaxValue, which the client treats as none.
        return new CallOptions(headers, context.Deadline, context.CancellationToken);
    }
}
