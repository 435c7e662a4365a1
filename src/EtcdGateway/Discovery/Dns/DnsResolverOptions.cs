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
        string host;
        string? portText = null;
        if (rest.Length == 0)
        {
            error = "empty DNS server address";
            return false;
        }

        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "missing ']' in IPv6 address";
                return false;
            }

            host = rest[1..close];
            var after = rest[(close + 1)..];
            if (after.Length > 0 && !after.StartsWith(':'))
            {
                error = "unexpected text after ']'";
                return false;
            }

            portText = after.Length > 0 ? after[1..] : null;
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"\"{host}\" is not an IPv6 address";
                return false;
            }
        }
        else
        {
            if (rest.Count(c => c == ':') > 1)
            {
                error = "too many colons (write IPv6 addresses in brackets, e.g. [::1]:53)";
                return false;
            }

            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = colon >= 0 ? rest[..colon] : rest;
            portText = colon >= 0 ? rest[(colon + 1)..] : null;
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
