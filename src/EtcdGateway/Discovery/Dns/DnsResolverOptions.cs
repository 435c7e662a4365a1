using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Discovery.Dns;

/// <summary>Where and how <see cref="DnsResolver"/> asks: normally from resolv.conf, with <c>--dns-server</c> replacing the nameservers.</summary>
internal sealed record DnsResolverOptions
{
    /// <summary>Asked in order; the list must not be empty.</summary>
    public required IReadOnlyList<IPEndPoint> Nameservers { get; init; }

    /// <summary>Suffixes for names that are not fully qualified, without trailing dots.</summary>
    public IReadOnlyList<string> Search { get; init; } = [];

    /// <summary>How long one query to one nameserver may take.</summary>
    public TimeSpan Timeout { get; init; } = ResolvConf.DefaultTimeout;

    /// <summary>Rounds over the whole nameserver list.</summary>
    public int Attempts { get; init; } = ResolvConf.DefaultAttempts;

    /// <summary>Names with at least this many dots are tried as written before the search suffixes.</summary>
    public int Ndots { get; init; } = ResolvConf.DefaultNdots;

    public static DnsResolverOptions FromResolvConf(ResolvConf conf) => new()
    {
        Nameservers = conf.Nameservers,
        Search = conf.Search,
        Timeout = conf.Timeout,
        Attempts = conf.Attempts,
        Ndots = conf.Ndots,
    };

    /// <summary>
    /// The same options asking <paramref name="nameservers"/> instead (none given: unchanged). The search list and the
    /// options still come from resolv.conf; discovery names have enough dots to be tried as written first.
    /// </summary>
    public DnsResolverOptions WithNameservers(IReadOnlyList<IPEndPoint> nameservers) =>
        nameservers.Count == 0 ? this : this with { Nameservers = nameservers };

    /// <summary>
    /// Reads a <c>--dns-server</c> value: <c>IP</c>, <c>IP:PORT</c>, <c>[IPv6]</c> or <c>[IPv6]:PORT</c>, port 53 when
    /// omitted. Host names are refused: the resolver cannot be asked where the resolver is.
    /// </summary>
    public static bool TryParseServer(string text, [NotNullWhen(true)] out IPEndPoint? server, out string error)
    {
        server = null;
        var rest = text.Trim();
        if (rest.Length == 0)
        {
            error = "empty DNS server address";
            return false;
        }

        if (!EndpointAddress.TrySplitHostPort(rest, out var host, out var portText, out error))
        {
            return false;
        }

        if (!EndpointAddress.TryParseIPLiteral(host, out var address))
        {
            error = $"\"{host}\" is not an IP address (a DNS server is given by address, not by name)";
            return false;
        }

        var port = ResolvConf.DnsPort;
        if (portText is not null && !EndpointAddress.TryParsePort(portText, out port, out error))
        {
            return false;
        }

        error = "";
        server = new IPEndPoint(address!, port);
        return true;
    }
}
