namespace EtcdGateway.Discovery.Dns;

/// <summary>One entry of the question section: the name (without trailing dot), type and class asked about.</summary>
internal sealed record DnsQuestion(string Name, DnsRecordType Type, ushort Class)
{
    /// <summary>Class IN, the only one the gateway asks about.</summary>
    public const ushort InternetClass = 1;
}
