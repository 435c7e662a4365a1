using System.Net;

namespace EtcdGateway.Discovery;

/// <summary>What <c>--discovery-srv</c> and its companion flags asked for.</summary>
internal sealed record SrvDiscoveryOptions
{
    /// <summary>The DNS domain whose SRV records list the cluster's client endpoints.</summary>
    public required string Domain { get; init; }

    /// <summary><c>--discovery-srv-name</c>: appended to the service label as <c>-NAME</c>; empty for none.</summary>
    public string ServiceName { get; init; } = "";

    /// <summary><c>--insecure-discovery</c>: plain http records are used too and nothing is verified.</summary>
    public bool Insecure { get; init; }

    /// <summary><c>--trusted-ca-file</c>: the CA discovered endpoints must chain to; the system roots when null.</summary>
    public string? TrustedCaFile { get; init; }

    /// <summary><c>--dns-server</c>: nameservers to ask instead of those in /etc/resolv.conf; empty for those.</summary>
    public IReadOnlyList<IPEndPoint> DnsServers { get; init; } = [];

    /// <summary>The domain was read from --config-file (so an error about it points there).</summary>
    public bool FromConfigFile { get; init; }

    /// <summary>The SRV name of TLS endpoints, e.g. <c>_etcd-client-ssl._tcp.example.com</c>.</summary>
    public string SecureServiceName => $"_etcd-client-ssl{Suffix}._tcp.{Domain}";

    /// <summary>The SRV name of plain endpoints, e.g. <c>_etcd-client._tcp.example.com</c>.</summary>
    public string PlainServiceName => $"_etcd-client{Suffix}._tcp.{Domain}";

    private string Suffix => ServiceName.Length == 0 ? "" : "-" + ServiceName;
}
