using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EtcdGateway.Endpoints;

namespace EtcdGateway.Cli;

/// <summary>
/// Turns the parsed flags of <c>grpc-proxy start</c> into <see cref="GrpcProxyOptions"/> (the L7-only part; the shared part
/// is <see cref="GatewayOptionsBuilder"/>'s), or a <see cref="UsageException"/> naming the flag and value. Checks what
/// etcd's proxy checks at start (resolver prefix and TTL together, TLS versions and cipher suites) and what it only finds
/// out later (files that do not exist, a certificate without its key).
/// </summary>
internal static class GrpcProxyOptionsBuilder
{
    private const string CommonNameOid = "2.5.4.3";

    public static GrpcProxyOptions Build(ParsedFlags flags)
    {
        var values = new FlagValues(flags, GrpcProxyFlags.Table);
        var (prefix, ttl) = ParseResolver(values);
        var advertise = values.Text(GrpcProxyFlags.AdvertiseClientUrl);
        if (advertise.Length > 0 && !EndpointAddress.TryParse(advertise, out _, out var advertiseError, out _))
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.AdvertiseClientUrl, advertise, advertiseError);
        }

        if (prefix.Length > 0 && advertise.Length == 0)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.AdvertiseClientUrl, advertise, "--resolver-prefix registers this address, so it must not be empty");
        }

        return new GrpcProxyOptions
        {
            Namespace = values.Text(GrpcProxyFlags.Namespace),
            AdvertiseClientUrl = advertise,
            ResolverPrefix = prefix,
            ResolverTtl = ttl,
            ClusterTls = ParseClusterTls(values),
            ClientTls = ParseClientTls(values),
            MaxSendBytes = MessageLimit(values, GrpcProxyFlags.MaxSendBytes, whenZero: 2 * 1024 * 1024),
            MaxRecvBytes = MessageLimit(values, GrpcProxyFlags.MaxRecvBytes, whenZero: int.MaxValue),
            DialKeepAliveTime = values.Duration(GrpcProxyFlags.DialKeepAliveTime, allowZero: true),
            DialKeepAliveTimeout = values.Duration(GrpcProxyFlags.DialKeepAliveTimeout, allowZero: true),
            PermitWithoutStream = values.Bool(GrpcProxyFlags.PermitWithoutStream),
            GrpcKeepAliveMinTime = values.Duration(GrpcProxyFlags.GrpcKeepAliveMinTime, allowZero: true),
            GrpcKeepAliveInterval = values.Duration(GrpcProxyFlags.GrpcKeepAliveInterval, allowZero: true),
            GrpcKeepAliveTimeout = values.Duration(GrpcProxyFlags.GrpcKeepAliveTimeout, allowZero: true),
            MaxConcurrentStreams = (uint)values.Integer(GrpcProxyFlags.MaxConcurrentStreams, 1, uint.MaxValue),
            DataDir = values.Text(GrpcProxyFlags.DataDir),
            Debug = values.Bool(GrpcProxyFlags.Debug),
            EnablePprof = values.Bool(GrpcProxyFlags.EnablePprof),
            SerializableOrdering = values.Bool(GrpcProxyFlags.SerializableOrdering),
            LeasingPrefix = values.Text(GrpcProxyFlags.LeasingPrefix),
            EnableGrpcLogging = values.Bool(GrpcProxyFlags.EnableGrpcLogging),
            CacheMaxEntries = (int)values.Integer(GrpcProxyFlags.CacheMaxEntries, 0, int.MaxValue),
            CacheMaxBytes = values.Integer(GrpcProxyFlags.CacheMaxBytes, 1, long.MaxValue),
            CacheEntryTtl = values.Duration(GrpcProxyFlags.CacheEntryTtl, allowZero: false),
            WatchHistorySize = (int)values.Integer(GrpcProxyFlags.WatchHistorySize, 1, int.MaxValue),
            WatchCatchUpLimit = (int)values.Integer(GrpcProxyFlags.WatchCatchUpLimit, 1, int.MaxValue),
        };
    }

    /// <summary>etcd's rules: a prefix needs a TTL of at least 1 second, and a TTL needs a prefix.</summary>
    private static (string Prefix, int Ttl) ParseResolver(FlagValues values)
    {
        var prefix = values.Text(GrpcProxyFlags.ResolverPrefix);
        var ttl = (int)values.Integer(GrpcProxyFlags.ResolverTtl, 0, int.MaxValue);
        if (prefix.Length > 0 && ttl < 1)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.ResolverTtl, values.Text(GrpcProxyFlags.ResolverTtl), "--resolver-prefix needs a TTL of at least 1 (seconds)");
        }

        if (prefix.Length == 0 && ttl > 0)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.ResolverTtl, values.Text(GrpcProxyFlags.ResolverTtl), "a TTL needs --resolver-prefix");
        }

        return (prefix, ttl);
    }

    /// <summary>A message size in bytes; 0 means etcd's client default, as in etcd.</summary>
    private static int MessageLimit(FlagValues values, string flag, int whenZero)
    {
        var value = (int)values.Integer(flag, 0, int.MaxValue);
        return value == 0 ? whenZero : value;
    }

    private static ClusterTlsOptions ParseClusterTls(FlagValues values)
    {
        var (cert, key) = CertificatePair(values, GrpcProxyFlags.Cert, GrpcProxyFlags.Key);
        if (cert is not null)
        {
            RequireEmptyCommonName(cert);
        }

        var ca = values.ExistingFile(GrpcProxyFlags.CaCert);
        GatewayOptionsBuilder.CheckCaBundle(ca, GrpcProxyFlags.CaCert);
        return new ClusterTlsOptions(cert, key, ca, values.Bool(GrpcProxyFlags.InsecureSkipTlsVerify));
    }

    /// <summary>
    /// etcd's rule for the proxy's own client certificate (etcd issue 11970): a member with client-certificate auth takes a
    /// certificate's Common Name as the user of a call that carries no token, so a named certificate would lend that user's
    /// rights to every client of the proxy. etcd refuses to start with one; so do we.
    /// </summary>
    private static void RequireEmptyCommonName(string certFile)
    {
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certFile));
        var commonName = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(n => !n.HasMultipleElements && n.GetSingleElementType().Value == CommonNameOid)
            .Select(n => n.GetSingleElementValue())
            .FirstOrDefault();
        if (commonName is { Length: > 0 })
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.Cert, certFile,
                $"the certificate has a Common Name ({commonName}); members with client-certificate auth would take it as the user of every call through the proxy, so it must be empty (as etcd requires)");
        }
    }

    private static ClientTlsOptions ParseClientTls(FlagValues values)
    {
        var (cert, key) = CertificatePair(values, GrpcProxyFlags.CertFile, GrpcProxyFlags.KeyFile);
        var ca = values.ExistingFile(GrpcProxyFlags.TrustedCaFile);
        GatewayOptionsBuilder.CheckCaBundle(ca, GrpcProxyFlags.TrustedCaFile);
        var autoTls = values.Bool(GrpcProxyFlags.AutoTls);
        if (ca is not null && cert is null && !autoTls)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.TrustedCaFile, ca, "checks client certificates, which needs TLS: give --cert-file and --key-file, or --auto-tls");
        }

        var validity = (int)values.Integer(GrpcProxyFlags.SelfSignedCertValidity, 0, 100);
        if (autoTls && validity == 0)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.SelfSignedCertValidity, "0", "must be at least 1 with --auto-tls");
        }

        var min = TlsVersion(values, GrpcProxyFlags.TlsMinVersion);
        var max = TlsVersion(values, GrpcProxyFlags.TlsMaxVersion);
        if (max != SslProtocols.None && min > max)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.TlsMinVersion, values.Text(GrpcProxyFlags.TlsMinVersion), $"greater than --tls-max-version {values.Text(GrpcProxyFlags.TlsMaxVersion)}");
        }

        var suites = CipherSuites(values, min, servesTls: cert is not null || autoTls);
        var crl = values.ExistingFile(GrpcProxyFlags.ClientCrlFile);
        if (crl is not null)
        {
            if (ca is null)
            {
                throw UsageException.InvalidValue(GrpcProxyFlags.ClientCrlFile, crl, "revokes client certificates, which are asked for only with --trusted-ca-file");
            }

            try
            {
                CertificateRevocationList.Load(crl);
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw UsageException.InvalidValue(GrpcProxyFlags.ClientCrlFile, crl, $"not a certificate revocation list (PEM or DER): {e.Message}");
            }
        }

        return new ClientTlsOptions
        {
            CertFile = cert,
            KeyFile = key,
            TrustedCaFile = ca,
            AutoTls = autoTls,
            CrlFile = crl,
            CipherSuites = suites,
            SelfSignedCertValidityYears = validity,
            ListenHost = EndpointAddress.TrySplitHostPort(values.Text(GatewayFlags.ListenAddr), out var host, out _, out _) ? host : "",
            MinVersion = min == SslProtocols.None ? SslProtocols.Tls12 : min,
            MaxVersion = max,
        };
    }

    /// <summary>
    /// <c>--listen-cipher-suites</c>: Go's names, mapped to the suites .NET knows (<see cref="GoCipherSuites"/>). etcd's
    /// checks (a known name; none with TLS1.3 only), then ours: a suite this system's TLS cannot offer, or suites for a
    /// listener that does not speak TLS, are refused rather than ignored.
    /// </summary>
    private static List<TlsCipherSuite> CipherSuites(FlagValues values, SslProtocols min, bool servesTls)
    {
        var names = values.List(GrpcProxyFlags.ListenCipherSuites);
        var suites = new List<TlsCipherSuite>();
        foreach (var name in names)
        {
            if (!GoCipherSuites.ByName.TryGetValue(name, out var suite))
            {
                throw UsageException.InvalidValue(GrpcProxyFlags.ListenCipherSuites, name, "unknown TLS cipher suite");
            }

            if (GoCipherSuites.Unavailable(name) is { } why)
            {
                throw UsageException.InvalidValue(GrpcProxyFlags.ListenCipherSuites, name, why);
            }

            suites.Add(suite);
        }

        if (suites.Count > 0 && min == SslProtocols.Tls13)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.ListenCipherSuites, string.Join(',', names), "cipher suites cannot be configured when only TLS1.3 is enabled");
        }

        if (suites.Count > 0 && !servesTls)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.ListenCipherSuites, string.Join(',', names), "applies to TLS with clients: give --cert-file and --key-file, or --auto-tls");
        }

        return suites;
    }

    /// <summary>etcd's version names: TLS1.2, TLS1.3, or empty for the default.</summary>
    private static SslProtocols TlsVersion(FlagValues values, string flag) => values.Text(flag) switch
    {
        "" => SslProtocols.None,
        "TLS1.2" => SslProtocols.Tls12,
        "TLS1.3" => SslProtocols.Tls13,
        var other => throw UsageException.InvalidValue(flag, other, "expected TLS1.2 or TLS1.3"),
    };

    /// <summary>A certificate and its key: both or neither, both readable PEM that belong together.</summary>
    private static (string? Cert, string? Key) CertificatePair(FlagValues values, string certFlag, string keyFlag)
    {
        var cert = values.ExistingFile(certFlag);
        var key = values.ExistingFile(keyFlag);
        if ((cert is null) != (key is null))
        {
            var (flag, value) = cert is null ? (keyFlag, key!) : (certFlag, cert);
            throw UsageException.InvalidValue(flag, value, $"--{certFlag} and --{keyFlag} go together");
        }

        if (cert is not null)
        {
            try
            {
                using var pair = X509Certificate2.CreateFromPemFile(cert, key);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // An EC key that belongs to another certificate is an ArgumentException, not a CryptographicException.
                throw UsageException.InvalidValue(certFlag, cert, $"cannot load the certificate with --{keyFlag}: {e.Message}");
            }
        }

        return (cert, key);
    }
}
