using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// The parts of resolv.conf(5) our resolver uses, read as glibc reads them: the first three <c>nameserver</c> lines, the
/// last <c>search</c> or <c>domain</c> line, and the <c>timeout</c>, <c>attempts</c> and <c>ndots</c> options.
/// Comments, unknown keywords and options, and lines that do not parse are ignored, as the C library ignores them.
/// </summary>
internal sealed record ResolvConf(IReadOnlyList<IPEndPoint> Nameservers, IReadOnlyList<string> Search, TimeSpan Timeout, int Attempts, int Ndots)
{
    public const string DefaultPath = "/etc/resolv.conf";

    public const int DnsPort = 53;

    public const int DefaultAttempts = 2;

    public const int DefaultNdots = 1;

    // glibc's MAXNS, RES_MAXRETRANS, RES_MAXRETRY and RES_MAXNDOTS.
    private const int MaxNameservers = 3;
    private const int MaxTimeoutSeconds = 30;
    private const int MaxAttempts = 5;
    private const int MaxNdots = 15;

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>With no nameserver line, the C library asks the local machine.</summary>
    public static readonly IPEndPoint DefaultNameserver = new(IPAddress.Loopback, DnsPort);

    private static readonly char[] Blanks = [' ', '\t', '\r', '\v', '\f'];

    /// <summary>Reads the file; a missing or unreadable file gives the defaults, as it does for the C library.</summary>
    public static ResolvConf Load(string path = DefaultPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = "";
        }

        return Parse(text);
    }

    public static ResolvConf Parse(string text)
    {
        var nameservers = new List<IPEndPoint>();
        IReadOnlyList<string> search = [];
        var timeoutSeconds = (int)DefaultTimeout.TotalSeconds;
        var attempts = DefaultAttempts;
        var ndots = DefaultNdots;
        foreach (var line in text.Split('\n'))
        {
            // Neither '#' nor ';' can occur in an address, a domain or an option, so anything after one is a comment.
            var commentStart = line.IndexOfAny(['#', ';']);
            var fields = (commentStart < 0 ? line : line[..commentStart]).Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            switch (fields[0])
            {
                case "nameserver" when nameservers.Count < MaxNameservers && TryParseNameserver(fields[1], out var nameserver):
                    nameservers.Add(nameserver);
                    break;
                case "domain" or "search":
                    // The root (".") as a suffix would just repeat the as-is query.
                    search = fields.Skip(1).Select(DnsName.Normalize).Where(domain => domain.Length > 0).ToList();
                    if (fields[0] == "domain")
                    {
                        search = search.Take(1).ToList();
                    }

                    break;
                case "options":
                    foreach (var option in fields.Skip(1))
                    {
                        timeoutSeconds = ReadOption(option, "timeout:", 1, MaxTimeoutSeconds) ?? timeoutSeconds;
                        attempts = ReadOption(option, "attempts:", 1, MaxAttempts) ?? attempts;
                        ndots = ReadOption(option, "ndots:", 0, MaxNdots) ?? ndots;
                    }

                    break;
            }
        }

        return new ResolvConf(
            nameservers.Count > 0 ? nameservers : [DefaultNameserver],
            search,
            TimeSpan.FromSeconds(timeoutSeconds),
            attempts,
            ndots);
    }

    /// <summary>
    /// An IP literal, IPv6 possibly with a <c>%zone</c>: kept when .NET can resolve it, dropped otherwise. glibc reads IPv4
    /// with inet_aton (so <c>010.0.0.1</c> would be 8.0.0.1); we take only the plain dotted quad and skip the rest.
    /// </summary>
    private static bool TryParseNameserver(string text, out IPEndPoint nameserver)
    {
        nameserver = DefaultNameserver;
        var zoneStart = text.IndexOf('%', StringComparison.Ordinal);
        if (!EndpointAddress.TryParseIPLiteral(zoneStart < 0 ? text : text[..zoneStart], out var address))
        {
            return false;
        }

        if (zoneStart >= 0 && address!.AddressFamily == AddressFamily.InterNetworkV6 && IPAddress.TryParse(text, out var scoped))
        {
            address = scoped;
        }

        nameserver = new IPEndPoint(address!, DnsPort);
        return true;
    }

    /// <summary>
    /// The value of <c>name:N</c>, clamped to the range. A number too large for an int is the maximum; a value that is
    /// not a number leaves the setting alone. The lower bound of 1 for timeout and attempts follows Go: glibc would turn
    /// <c>attempts:0</c> into no query at all.
    /// </summary>
    private static int? ReadOption(string option, string name, int min, int max)
    {
        if (!option.StartsWith(name, StringComparison.Ordinal))
        {
            return null;
        }

        var digits = option[name.Length..];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? Math.Clamp(value, min, max) : max;
    }
}
