namespace EtcdGateway.Admin;

/// <summary>The modes as <c>/status</c> names them; the status page and <c>etcd-gateway status</c> choose their columns by it.</summary>
internal static class AdminModeNames
{
    public const string Gateway = "gateway";
    public const string GrpcProxy = "grpc-proxy";
}
