using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Watch;

/// <summary>One thing a <see cref="WatchSession"/>'s loop handles, in the order it arrived.</summary>
internal sealed record SessionInput(SessionInputKind Kind, WatchRequest? Request = null, CatchUpWatch? CatchUp = null, WatchResponse? Response = null, RpcException? Error = null)
{
    public static SessionInput Wake { get; } = new(SessionInputKind.Wake);

    public static SessionInput ClientEnded { get; } = new(SessionInputKind.ClientEnded);
}
