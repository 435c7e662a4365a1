namespace EtcdGateway.Grpc.Serving;

/// <summary>What a client speaks on the proxy's one port, judged from its first bytes.</summary>
internal enum SharedPortProtocol
{
    /// <summary>HTTP/2 with prior knowledge (h2c): the connection preface came first. gRPC clients speak this.</summary>
    Http2,

    /// <summary>Anything else: HTTP/1.1 (<c>/health</c> from curl, load balancers, probes).</summary>
    Http1,
}
