using System.Net;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// A Kestrel endpoint that is one protocol's share of the proxy's listening socket: Kestrel listens on two of these
/// (HTTP/2 only and HTTP/1.1 only), or on one for TLS, and <see cref="SharedPortTransport"/> hands each accepted
/// connection to one of them.
/// </summary>
internal sealed class SharedPortEndPoint(SharedPortProtocol protocol, EndPoint listenAddress) : EndPoint
{
    public SharedPortProtocol Protocol => protocol;

    /// <summary>The real address clients connect to.</summary>
    public EndPoint ListenAddress => listenAddress;

    public override string ToString() => protocol switch
    {
        SharedPortProtocol.Http2 => $"h2c on {listenAddress}",
        SharedPortProtocol.Http1 => $"http/1.1 on {listenAddress}",
        _ => $"tls (h2 or http/1.1) on {listenAddress}",
    };
}
