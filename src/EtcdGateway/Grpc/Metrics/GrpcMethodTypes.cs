namespace EtcdGateway.Grpc.Metrics;

/// <summary>The <c>grpc_type</c> label's values, as go-grpc-prometheus names a method's streaming shape.</summary>
internal static class GrpcMethodTypes
{
    public const string Unary = "unary";
    public const string ClientStream = "client_stream";
    public const string ServerStream = "server_stream";
    public const string BidiStream = "bidi_stream";

    public static string Of(bool clientStreaming, bool serverStreaming) => (clientStreaming, serverStreaming) switch
    {
        (false, false) => Unary,
        (true, false) => ClientStream,
        (false, true) => ServerStream,
        (true, true) => BidiStream,
    };
}
