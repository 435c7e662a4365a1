namespace EtcdGateway.Grpc.Serving;

/// <summary>What a client speaks on the proxy's one port, judged from its first bytes (or, with TLS, after the handshake).</summary>
internal enum SharedPortProtocol
{
    /// <summary>HTTP/2 with prior knowledge (h2c): the connection preface came first. gRPC clients speak this.</summary>
    Http2,

    /// <summary>Anything else: HTTP/1.1 (<c>/health</c> from curl, load balancers, probes).</summary>
    Http1,

    /// <summary>
    /// Every connection, when the port speaks TLS: Kestrel completes the handshake first, and ALPN then says HTTP/2 (gRPC)
    /// or HTTP/1.1, as it does for etcd's proxy behind its TLS listener.
    /// </summary>
    Tls,
}
