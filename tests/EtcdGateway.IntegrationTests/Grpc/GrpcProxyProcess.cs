using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// The real executable as <c>etcd-gateway grpc-proxy start</c>: on a free port unless the arguments give
/// <c>--listen-addr</c>, ready once it logs etcd's <c>started gRPC proxy</c> line (what etcd's own tests wait for).
/// </summary>
public static class GrpcProxyProcess
{
    public const string ReadyMessage = "started gRPC proxy";

    public static Task<GatewayProcess> StartAsync(IEnumerable<string> args, IDictionary<string, string>? environment = null, bool waitReady = true) =>
        GatewayProcess.StartCommandAsync(["grpc-proxy", "start"], ReadyMessage, args, environment: environment, waitReady: waitReady);
}
