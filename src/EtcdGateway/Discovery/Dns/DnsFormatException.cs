namespace EtcdGateway.Discovery.Dns;

/// <summary>A DNS message that cannot be read: truncated, with a bad compression pointer, a name too long, and the like.</summary>
internal sealed class DnsFormatException : Exception
{
    public DnsFormatException(string message)
        : base(message)
    {
    }

    public DnsFormatException()
    {
    }

    public DnsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
