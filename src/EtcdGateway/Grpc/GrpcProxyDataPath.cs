using EtcdGateway.Cli;
using EtcdGateway.Hosting;

namespace EtcdGateway.Grpc;

/// <summary>The L7 proxy's client-facing side, as the host runs it.</summary>
internal static class GrpcProxyDataPath
{
    /// <summary>The L7 mode's data path from the shared parts and the proxy's own options.</summary>
    public static IDataPath Create(DataPathParts parts, GrpcProxyOptions options) =>
        throw new UsageException("\"grpc-proxy start\" checks its flags, but serving is not built yet");
}
