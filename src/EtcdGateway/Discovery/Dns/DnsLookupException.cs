namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// A lookup that found nothing usable. The message is one line naming the lookup and the cause, fit for a log or a CLI
/// error: <c>lookup _etcd-client._tcp.example.com: no such host (NXDOMAIN) from 127.0.0.1:53</c>.
/// </summary>
internal sealed class DnsLookupException : Exception
{
    public DnsLookupException(string message)
        : base(message)
    {
    }

    public DnsLookupException()
    {
    }

    public DnsLookupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
