using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Discovery;
using EtcdGateway.Discovery.Dns;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;

namespace EtcdGateway.Cli;

/// <summary>Turns the parsed flags of <c>etcd-gateway start</c> into <see cref="GatewayOptions"/>, or a <see cref="UsageException"/> naming the flag and value.</summary>
internal static class GatewayOptionsBuilder
{
    /// <summary>The longest delay a .NET timer takes (2^32 - 2 ms, about 49.7 days); anything longer would fail at run time.</summary>
    private static readonly TimeSpan MaxTimerDuration = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static GatewayOptions Build(ParsedFlags flags)
    {
        var notices = new List<StartupNotice>();
        var endpoints = ParseEndpoints(flags, notices);
        var listen = ParseListenAddress(Text(flags, GatewayFlags.ListenAddr));
        var retryDelay = Duration(flags, GatewayFlags.RetryDelay, allowZero: false);
        var dialTimeout = Duration(flags, GatewayFlags.DialTimeout, allowZero: false);
        var drainTimeout = Duration(flags, GatewayFlags.DrainTimeout, allowZero: true);

        var policyText = Text(flags, GatewayFlags.PickPolicy);
        if (!PickPolicyFactory.Names.TryGetValue(policyText, out var policy))
        {
            throw UsageException.InvalidValue(GatewayFlags.PickPolicy, policyText, $"expected one of {string.Join(", ", PickPolicyFactory.Names.Keys)}");
        }

        var levelText = Text(flags, GatewayFlags.LogLevel);
        var level = levelText switch
        {
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Info,
            "warn" => LogLevel.Warn,
            "error" => LogLevel.Error,
            _ => throw UsageException.InvalidValue(GatewayFlags.LogLevel, levelText, "expected debug, info, warn or error"),
        };

        var options = new GatewayOptions
        {
            Endpoints = endpoints,
            ListenAddress = listen,
            RetryDelay = retryDelay,
            DialTimeout = dialTimeout,
            DrainTimeout = drainTimeout,
            PickPolicy = policy,
            LogLevel = level,
            Health = ParseHealth(flags),
            AutoSyncInterval = Duration(flags, GatewayFlags.AutoSyncInterval, allowZero: true),
            ConfigFile = ExistingFile(flags, GatewayFlags.ConfigFile),
            MetricsAddress = ParseMetricsAddress(flags.Last(GatewayFlags.MetricsAddr), listen),
            Notices = notices,
        };
        return WithDiscovery(options, flags);
    }

    private static HealthOptions ParseHealth(ParsedFlags flags)
    {
        var modeText = Text(flags, GatewayFlags.HealthCheck);
        var mode = modeText switch
        {
            "auto" => HealthCheckMode.Auto,
            "http" => HealthCheckMode.Http,
            "tcp" => HealthCheckMode.Tcp,
            "none" => HealthCheckMode.None,
            _ => throw UsageException.InvalidValue(GatewayFlags.HealthCheck, modeText, "expected auto, http, tcp or none"),
        };

        var cert = ExistingFile(flags, GatewayFlags.HealthCert);
        var key = ExistingFile(flags, GatewayFlags.HealthKey);
        if ((cert is null) != (key is null))
        {
            var (flag, value) = cert is null ? (GatewayFlags.HealthKey, key!) : (GatewayFlags.HealthCert, cert);
            throw UsageException.InvalidValue(flag, value, "--health-cert and --health-key go together");
        }

        var caCert = ExistingFile(flags, GatewayFlags.HealthCaCert);
        CheckPem(caCert, cert, key);

        return new HealthOptions
        {
            Mode = mode,
            Interval = Duration(flags, GatewayFlags.HealthInterval, allowZero: false),
            Timeout = Duration(flags, GatewayFlags.HealthTimeout, allowZero: false),
            UnhealthyThreshold = PositiveInt(flags, GatewayFlags.HealthUnhealthyThreshold),
            HealthyThreshold = PositiveInt(flags, GatewayFlags.HealthHealthyThreshold),
            CaCertFile = caCert,
            CertFile = cert,
            KeyFile = key,
            EjectGrace = Duration(flags, GatewayFlags.EjectGrace, allowZero: true),
        };
    }

    /// <summary><c>http://HOST:PORT</c> (the scheme may be left out); never the proxy's own address.</summary>
    private static EndpointAddress? ParseMetricsAddress(string? text, EndpointAddress listen)
    {
        if (text is not { Length: > 0 })
        {
            return null;
        }

        if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw UsageException.InvalidValue(GatewayFlags.MetricsAddr, text, "https is not supported; use http:// on a loopback or private address");
        }

        var authority = text.Contains("://", StringComparison.Ordinal) ? text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..] : text;
        var slash = authority.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && authority[slash..] != "/")
        {
            throw UsageException.InvalidValue(GatewayFlags.MetricsAddr, text, "give scheme, host and port only; the paths are /metrics, /health, /status and /");
        }

        if (!EndpointAddress.TryParse(text, out var address, out var error, out var notes, allowPortZero: true))
        {
            throw UsageException.InvalidValue(GatewayFlags.MetricsAddr, text, error);
        }

        if (notes.HasFlag(EndpointParseNotes.DefaultPortAssumed))
        {
            throw UsageException.InvalidValue(GatewayFlags.MetricsAddr, text, "missing port");
        }

        if (address!.Port != 0 && address.Port == listen.Port && (address.Host == listen.Host || listen.Host == "0.0.0.0"))
        {
            throw UsageException.InvalidValue(GatewayFlags.MetricsAddr, text, "the admin listener cannot share the proxy's port (--listen-addr)");
        }

        return address with { Tls = false };
    }

    /// <summary>Loads the TLS files once here, so a wrong file is bad input now rather than a failing probe every second.</summary>
    private static void CheckPem(string? caCert, string? cert, string? key)
    {
        CheckCaBundle(caCert, GatewayFlags.HealthCaCert);

        if (cert is not null && key is not null)
        {
            try
            {
                using var pair = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(cert, key);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw UsageException.InvalidValue(GatewayFlags.HealthCert, cert, $"cannot load the certificate with --health-key: {e.Message}");
            }
        }
    }

    /// <summary>A CA bundle must hold at least one PEM certificate; checked at start so a wrong file is bad input.</summary>
    private static void CheckCaBundle(string? path, string flag)
    {
        if (path is null)
        {
            return;
        }

        var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw UsageException.InvalidValue(flag, path, $"not a PEM certificate bundle: {e.Message}");
        }

        if (roots.Count == 0)
        {
            throw UsageException.InvalidValue(flag, path, "no PEM certificate in the file");
        }
    }

    /// <summary>The value given for a single-valued flag, else its default from <see cref="GatewayFlags.All"/>, the one table of defaults.</summary>
    private static string Text(ParsedFlags flags, string name) => flags.Last(name) ?? GatewayFlags.DefaultOf(name);

    private static int PositiveInt(ParsedFlags flags, string name)
    {
        var text = Text(flags, name);
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw UsageException.InvalidValue(name, text, "expected a whole number of at least 1");
        }

        return value;
    }

    private static string? ExistingFile(ParsedFlags flags, string name)
    {
        var path = flags.Last(name);
        if (path is not { Length: > 0 })
        {
            return null;
        }

        return File.Exists(path) ? path : throw UsageException.InvalidValue(name, path, "no such file");
    }

    private static List<EndpointAddress> ParseEndpoints(ParsedFlags flags, List<StartupNotice> notices)
    {
        var texts = flags.IsSet(GatewayFlags.Endpoints) ? flags.All(GatewayFlags.Endpoints) : GatewayFlags.DefaultOf(GatewayFlags.Endpoints).Split(',');
        var endpoints = new List<EndpointAddress>();

        // Empty items ("a,,b", a trailing comma) name nothing to dial; skip them.
        foreach (var text in texts.Where(t => t.Length > 0))
        {
            if (!EndpointAddress.TryParse(text, out var address, out var error, out var parseNotes))
            {
                throw UsageException.InvalidValue(GatewayFlags.Endpoints, text, error);
            }

            if (parseNotes.HasFlag(EndpointParseNotes.SchemeStripped))
            {
                notices.Add(new(LogLevel.Warn, "stripped URL scheme from endpoint; the gateway passes TLS through and does not terminate it", GatewayFlags.Endpoints, text));
            }

            if (parseNotes.HasFlag(EndpointParseNotes.DefaultPortAssumed))
            {
                notices.Add(new(LogLevel.Info, "endpoint has no port; using etcd's client port 2379", GatewayFlags.Endpoints, text));
            }

            if (!endpoints.Contains(address!))
            {
                endpoints.Add(address!);
            }
        }

        if (endpoints.Count == 0)
        {
            throw UsageException.InvalidValue(GatewayFlags.Endpoints, string.Join(',', texts), "no endpoints given");
        }

        return endpoints;
    }

    /// <summary>
    /// The SRV discovery flags. Without --discovery-srv the others do nothing, as in etcd (they are still validated, so a
    /// typo is reported). With it, DNS owns the endpoint set: --endpoints is ignored (with a notice, as etcd's gateway
    /// ignores it silently), member-list sync is refused, picks follow SRV weights unless --pick-policy says otherwise,
    /// and HTTPS health probes trust --trusted-ca-file unless --health-cacert is given.
    /// </summary>
    private static GatewayOptions WithDiscovery(GatewayOptions options, ParsedFlags flags)
    {
        var srv = flags.Last(GatewayFlags.DiscoverySrv);
        if (srv is { Length: > 0 } && !IsDomainName(srv))
        {
            throw UsageException.InvalidValue(GatewayFlags.DiscoverySrv, srv, "expected a DNS domain name");
        }

        var srvName = flags.Last(GatewayFlags.DiscoverySrvName);
        if (srvName is { Length: > 0 } && !srvName.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw UsageException.InvalidValue(GatewayFlags.DiscoverySrvName, srvName, "expected letters, digits and '-'");
        }

        var trustedCa = ExistingFile(flags, GatewayFlags.TrustedCaFile);
        CheckCaBundle(trustedCa, GatewayFlags.TrustedCaFile);
        var dnsServers = new List<IPEndPoint>();
        foreach (var text in flags.All(GatewayFlags.DnsServer))
        {
            if (!DnsResolverOptions.TryParseServer(text, out var server, out var error))
            {
                throw UsageException.InvalidValue(GatewayFlags.DnsServer, text, error);
            }

            dnsServers.Add(server!);
        }

        if (srv is not { Length: > 0 })
        {
            return options;
        }

        if (options.AutoSyncInterval > TimeSpan.Zero)
        {
            throw UsageException.InvalidValue(GatewayFlags.AutoSyncInterval, flags.Last(GatewayFlags.AutoSyncInterval) ?? "",
                "cannot be combined with --discovery-srv: DNS owns the endpoint set");
        }

        var notices = options.Notices.ToList();
        if (flags.All(GatewayFlags.Endpoints).Count > 0)
        {
            notices.Add(new StartupNotice(LogLevel.Warn, "--endpoints is ignored: the endpoints come from DNS SRV discovery",
                GatewayFlags.Endpoints, string.Join(',', flags.All(GatewayFlags.Endpoints))));
        }

        return options with
        {
            Discovery = new SrvDiscoveryOptions
            {
                Domain = srv.TrimEnd('.'),
                ServiceName = srvName ?? "",
                Insecure = flags.Last(GatewayFlags.InsecureDiscovery) == "true",
                TrustedCaFile = trustedCa,
                DnsServers = dnsServers,
            },
            Endpoints = [],
            EndpointsSource = SrvEndpointRefresher.Source,
            PickPolicy = flags.Last(GatewayFlags.PickPolicy) is null ? PickPolicyKind.Weighted : options.PickPolicy,
            Health = options.Health with
            {
                CaCertFile = options.Health.CaCertFile ?? trustedCa,
                AlternativeCertificateName = srv.TrimEnd('.'),
            },
            Notices = notices,
        };
    }

    private static EndpointAddress ParseListenAddress(string text)
    {
        // Go's net.Listen takes ":23790" for every interface; keep that meaning.
        var normalized = text.StartsWith(':') ? "0.0.0.0" + text : text;
        if (normalized.Contains("://", StringComparison.Ordinal))
        {
            throw UsageException.InvalidValue(GatewayFlags.ListenAddr, text, "expected host:port without a scheme");
        }

        // Port 0 asks the kernel for a free port, as Go's net.Listen does; the ready log line shows which.
        if (!EndpointAddress.TryParse(normalized, out var address, out var error, out var notes, allowPortZero: true))
        {
            throw UsageException.InvalidValue(GatewayFlags.ListenAddr, text, error);
        }

        if (notes.HasFlag(EndpointParseNotes.DefaultPortAssumed))
        {
            throw UsageException.InvalidValue(GatewayFlags.ListenAddr, text, "missing port");
        }

        return address!;
    }

    /// <summary>A DNS name with no port, scheme or IP literal: the host-name rules of an endpoint, and nothing else.</summary>
    private static bool IsDomainName(string text) =>
        EndpointAddress.TryParse(text, out var address, out _, out var notes)
        && notes == EndpointParseNotes.DefaultPortAssumed
        && !EndpointAddress.TryParseIPLiteral(address!.Host, out _);

    private static TimeSpan Duration(ParsedFlags flags, string name, bool allowZero)
    {
        var text = Text(flags, name);
        if (!GoDuration.TryParse(text, out var value, out var error))
        {
            throw UsageException.InvalidValue(name, text, $"{error} (use Go syntax such as 300ms, 2s, 1m0s, 1.5h)");
        }

        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            throw UsageException.InvalidValue(name, text, allowZero ? "must not be negative" : "must be positive");
        }

        if (value > MaxTimerDuration)
        {
            throw UsageException.InvalidValue(name, text, $"too large (at most {GoDuration.Format(MaxTimerDuration)})");
        }

        return value;
    }
}
