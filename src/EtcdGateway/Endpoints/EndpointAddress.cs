using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EtcdGateway.Endpoints;

/// <summary>A backend's address as the user wrote it: a host name or IP literal and a port.</summary>
internal sealed record EndpointAddress(string Host, int Port)
{
    /// <summary>etcd's client port, used when an endpoint is given without one (as the operations guide's examples do).</summary>
    public const int DefaultClientPort = 2379;

    /// <summary>
    /// The member speaks TLS on this port (written <c>https://</c>, or advertised so in the member list). The relay passes
    /// TLS through regardless; health probes and member-list sync need to know.
    /// </summary>
    public bool Tls { get; init; }

    /// <summary><c>host:port</c>, with IPv6 literals in brackets: the form etcd logs and accepts.</summary>
    /// <remarks>
    /// Only a host with a colon can be an IPv6 literal, so names and IPv4 literals are not parsed.
    /// </remarks>
    public override string ToString() =>
        Host.Contains(':', StringComparison.Ordinal) && IPAddress.TryParse(Host, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
            : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Splits <c>host:port</c>, <c>[v6]:port</c>, a bare host, or a URL-ish <c>http(s)://host:port</c>.
    /// Returns false with a reason; <paramref name="notes"/> says what was assumed or stripped.
    /// Port 0 is accepted only with <paramref name="allowPortZero"/> (a listen address asking for any free port).
    /// </summary>
    public static bool TryParse(string text, out EndpointAddress? address, out string error, out EndpointParseNotes notes, bool allowPortZero = false)
    {
        address = null;
        notes = EndpointParseNotes.None;
        var rest = text.Trim();
        if (rest.Length == 0)
        {
            error = "empty endpoint";
            return false;
        }

        if (!TryStripScheme(ref rest, ref notes, out error) || !TrySplitHostPort(rest, out var host, out var portText, out error))
        {
            return false;
        }

        if (!IsValidHost(host))
        {
            error = $"\"{host}\" is not a valid host name or IP address";
            return false;
        }

        int port;
        if (portText is null)
        {
            port = DefaultClientPort;
            notes |= EndpointParseNotes.DefaultPortAssumed;
        }
        else if (!TryParsePort(portText, out port, out error) && !(allowPortZero && portText == "0"))
        {
            return false;
        }

        error = "";
        address = new EndpointAddress(host, port) { Tls = notes.HasFlag(EndpointParseNotes.Https) };
        return true;
    }

    /// <summary>A TCP port: decimal digits only, 1 to 65535.</summary>
    public static bool TryParsePort(string text, out int port, out string error)
    {
        error = "";
        if (text.Length == 0)
        {
            port = 0;
            error = "missing port";
            return false;
        }

        if (!text.All(char.IsAsciiDigit) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            port = 0;
            error = $"port \"{text}\" is not a number";
            return false;
        }

        if (port is < 1 or > 65535)
        {
            error = $"port {text} is out of range 1-65535";
            return false;
        }

        return true;
    }

    /// <summary>
    /// An IP literal as Go reads one: IPv4 only as four decimal parts without leading zeros, or IPv6. .NET alone would
    /// also take inet_aton's forms (<c>2379</c> = 0.0.9.75, <c>010.0.0.1</c> = 8.0.0.1), silently dialing somewhere else.
    /// </summary>
    public static bool TryParseIPLiteral(string host, out IPAddress? ip)
    {
        ip = null;
        if (host.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(host, out ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = host.Split('.');
        if (parts.Length != 4 || !parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p, CultureInfo.InvariantCulture) <= 255))
        {
            return false;
        }

        // Built from the four checked parts: IPAddress.Parse would also take the shorthand and octal forms Go refuses.
        ip = new IPAddress(new[] { byte.Parse(parts[0], CultureInfo.InvariantCulture), byte.Parse(parts[1], CultureInfo.InvariantCulture), byte.Parse(parts[2], CultureInfo.InvariantCulture), byte.Parse(parts[3], CultureInfo.InvariantCulture) });
        return true;
    }

    private static bool TryStripScheme(ref string rest, ref EndpointParseNotes notes, out string error)
    {
        error = "";
        var schemeEnd = rest.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return true;
        }

        var scheme = rest[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https"))
        {
            error = $"unsupported scheme \"{scheme}\" (the gateway forwards TCP; give host:port)";
            return false;
        }

        notes |= EndpointParseNotes.SchemeStripped | (scheme == "https" ? EndpointParseNotes.Https : EndpointParseNotes.None);
        rest = rest[(schemeEnd + 3)..];

        // A URL may end in a path ("http://host:2379/"); only the authority matters to a TCP proxy.
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            rest = rest[..slash];
        }

        return true;
    }

    /// <summary>Splits <c>host[:port]</c> or <c>[v6][:port]</c>; a bracketed host must be an IPv6 literal. No scheme.</summary>
    public static bool TrySplitHostPort(string rest, out string host, out string? portText, out string error)
    {
        error = "";
        portText = null;
        if (!rest.StartsWith('['))
        {
            if (rest.Count(c => c == ':') > 1)
            {
                host = rest;
                error = "too many colons (write IPv6 addresses in brackets, e.g. [::1]:2379)";
                return false;
            }

            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = colon >= 0 ? rest[..colon] : rest;
            portText = colon >= 0 ? rest[(colon + 1)..] : null;
            if (host.Length == 0)
            {
                error = "missing host";
                return false;
            }

            return true;
        }

        var close = rest.IndexOf(']', StringComparison.Ordinal);
        host = close < 0 ? rest : rest[1..close];
        if (close < 0)
        {
            error = "missing ']' in IPv6 address";
            return false;
        }

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

        return true;
    }

    private static bool IsValidHost(string host)
    {
        if (TryParseIPLiteral(host, out _))
        {
            return true;
        }

        // RFC 1123 labels; a trailing dot (fully qualified, as SRV targets are written) is allowed. A name made of digits
        // and dots only would be read as an odd IP spelling by the resolver, so it must be a proper dotted quad instead.
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length is 0 or > 253 || name.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return false;
        }

        return name.Split('.').All(label =>
            label.Length is > 0 and <= 63
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')
            && label[0] != '-' && label[^1] != '-');
    }
}
