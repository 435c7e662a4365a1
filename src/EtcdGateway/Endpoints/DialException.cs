namespace EtcdGateway.Endpoints;

/// <summary>A dial to an endpoint failed; the message reads like Go's (<c>dial tcp 127.0.0.1:2379: connection refused</c>).</summary>
internal sealed class DialException : Exception
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
