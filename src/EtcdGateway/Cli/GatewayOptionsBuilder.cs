using System.Net;
using EtcdGateway.Balancing;
using EtcdGateway.Discovery;
using EtcdGateway.Discovery.Dns;
using EtcdGateway.Endpoints;
using EtcdGateway.Health;
using EtcdGateway.Logging;

namespace EtcdGateway.Cli;

/// <summary>
/// Turns the parsed flags of a command into the <see cref="GatewayOptions"/> both modes share, or a
/// <see cref="UsageException"/> naming the flag and value. Defaults come from the command's <see cref="FlagTable"/>.
/// </summary>
internal static class GatewayOptionsBuilder
{
    /// <summary>The options of <c>etcd-gateway start</c>.</summary>
    public static GatewayOptions Build(ParsedFlags flags) => Build(flags, GatewayFlags.Table);

    public static GatewayOptions Build(ParsedFlags flags, FlagTable table)
    {
        var values = new FlagValues(flags, table);
        var notices = new List<StartupNotice>();
        var endpoints = ParseEndpoints(values, notices);
        var listen = ParseListenAddress(values.Text(GatewayFlags.ListenAddr));
        var retryDelay = values.Duration(GatewayFlags.RetryDelay, allowZero: false);
        var dialTimeout = values.Duration(GatewayFlags.DialTimeout, allowZero: false);
        var drainTimeout = values.Duration(GatewayFlags.DrainTimeout, allowZero: true);

        var policyText = values.Text(GatewayFlags.PickPolicy);
        if (!PickPolicyFactory.Names.TryGetValue(policyText, out var policy))
        {
            throw UsageException.InvalidValue(GatewayFlags.PickPolicy, policyText, $"expected one of {string.Join(", ", PickPolicyFactory.Names.Keys)}");
        }

        var levelText = values.Text(GatewayFlags.LogLevel);
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
            Health = ParseHealth(values),
            AutoSyncInterval = values.Duration(GatewayFlags.AutoSyncInterval, allowZero: true),
            ConfigFile = values.ExistingFile(GatewayFlags.ConfigFile),
            MetricsAddress = ParseMetricsAddress(flags.Last(GatewayFlags.MetricsAddr), listen),
            Notices = notices,
        };
        return WithDiscovery(options, values);
    }

    private static HealthOptions ParseHealth(FlagValues values)
    {
        var modeText = values.Text(GatewayFlags.HealthCheck);
        var mode = modeText switch
        {
            "auto" => HealthCheckMode.Auto,
            "http" => HealthCheckMode.Http,
            "tcp" => HealthCheckMode.Tcp,
            "none" => HealthCheckMode.None,
            _ => throw UsageException.InvalidValue(GatewayFlags.HealthCheck, modeText, "expected auto, http, tcp or none"),
        };

        var cert = values.ExistingFile(GatewayFlags.HealthCert);
        var key = values.ExistingFile(GatewayFlags.HealthKey);
        if ((cert is null) != (key is null))
        {
            var (flag, value) = cert is null ? (GatewayFlags.HealthKey, key!) : (GatewayFlags.HealthCert, cert);
            throw UsageException.InvalidValue(flag, value, "--health-cert and --health-key go together");
        }

        var caCert = values.ExistingFile(GatewayFlags.HealthCaCert);
        CheckPem(caCert, cert, key);

        return new HealthOptions
        {
            Mode = mode,
            Interval = values.Duration(GatewayFlags.HealthInterval, allowZero: false),
            Timeout = values.Duration(GatewayFlags.HealthTimeout, allowZero: false),
            UnhealthyThreshold = values.PositiveInt(GatewayFlags.HealthUnhealthyThreshold),
            HealthyThreshold = values.PositiveInt(GatewayFlags.HealthHealthyThreshold),
            CaCertFile = caCert,
            CertFile = cert,
            KeyFile = key,
            EjectGrace = values.Duration(GatewayFlags.EjectGrace, allowZero: true),
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
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                // An EC key that belongs to another certificate is an ArgumentException, not a CryptographicException.
                throw UsageException.InvalidValue(GatewayFlags.HealthCert, cert, $"cannot load the certificate with --health-key: {e.Message}");
            }
        }
    }

    /// <summary>A CA bundle must hold at least one PEM certificate; checked at start so a wrong file is bad input.</summary>
    internal static void CheckCaBundle(string? path, string flag)
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

    private static List<EndpointAddress> ParseEndpoints(FlagValues values, List<StartupNotice> notices)
    {
        var texts = values.Flags.IsSet(GatewayFlags.Endpoints) ? values.Flags.All(GatewayFlags.Endpoints) : values.Table.DefaultOf(GatewayFlags.Endpoints).Split(',');
        var endpoints = new List<EndpointAddress>();

        // Empty items ("a,,b", a trailing comma) name nothing to dial; skip them.
        foreach (var text in texts.Where(t => t.Length > 0))
        {
            if (!EndpointAddress.TryParse(text, out var address, out var error, out var parseNotes))
            {
                throw UsageException.InvalidValue(GatewayFlags.Endpoints, text, error);
            }

            if (parseNotes.HasFlag(EndpointParseNotes.SchemeStripped) && values.Table.SchemeStrippedNotice is { } schemeNotice)
            {
                notices.Add(new(LogLevel.Warn, schemeNotice, GatewayFlags.Endpoints, text));
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
    /// and HTTPS health probes trust the discovery CA file (--trusted-ca-file; the proxy's --cacert) unless --health-cacert
    /// is given.
    /// </summary>
    private static GatewayOptions WithDiscovery(GatewayOptions options, FlagValues values)
    {
        var flags = values.Flags;
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

        var trustedCa = values.ExistingFile(values.Table.DiscoveryCaFlag);
        CheckCaBundle(trustedCa, values.Table.DiscoveryCaFlag);
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
}
