namespace EtcdGateway.Endpoints;

/// <summary>
/// A dial to an endpoint failed; the message reads like Go's (<c>dial tcp 127.0.0.1:2379: connection refused</c>). A TLS
/// handshake the proxy could not complete with a member is one too. An I/O error, so that gRPC's client turns a call that
/// failed with one into Unavailable (it does so for I/O and socket errors) and the proxy may send the call elsewhere.
/// </summary>
internal sealed class DialException : IOException
{
    public DialException(string message, DialFault fault, Exception? innerException = null)
        : base(message, innerException)
    {
        Fault = fault;
    }

    public DialException()
    {
    }

    public DialException(string message)
        : base(message)
    {
    }

    public DialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DialFault Fault { get; }
}
