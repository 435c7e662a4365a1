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
    /// <summary>The TLS 1.2 and 1.3 cipher suites Go knows by name (secure and insecure), which etcd's flag accepts.</summary>
    private static readonly HashSet<string> GoCipherSuites = new(StringComparer.Ordinal)
    {
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    };

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
        var ca = values.ExistingFile(GrpcProxyFlags.CaCert);
        GatewayOptionsBuilder.CheckCaBundle(ca, GrpcProxyFlags.CaCert);
        return new ClusterTlsOptions(cert, key, ca, values.Bool(GrpcProxyFlags.InsecureSkipTlsVerify));
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

        var suites = values.List(GrpcProxyFlags.ListenCipherSuites);
        foreach (var suite in suites.Where(s => !GoCipherSuites.Contains(s)))
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.ListenCipherSuites, suite, "unknown TLS cipher suite");
        }

        if (suites.Count > 0 && min == SslProtocols.Tls13)
        {
            throw UsageException.InvalidValue(GrpcProxyFlags.ListenCipherSuites, string.Join(',', suites), "cipher suites cannot be configured when only TLS1.3 is enabled");
        }

        return new ClientTlsOptions
        {
            CertFile = cert,
            KeyFile = key,
            TrustedCaFile = ca,
            AutoTls = autoTls,
            CrlFile = values.ExistingFile(GrpcProxyFlags.ClientCrlFile),
            CipherSuites = suites,
            SelfSignedCertValidityYears = validity,
            MinVersion = min == SslProtocols.None ? SslProtocols.Tls12 : min,
            MaxVersion = max,
        };
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
            catch (CryptographicException e)
            {
                throw UsageException.InvalidValue(certFlag, cert, $"cannot load the certificate with --{keyFlag}: {e.Message}");
            }
        }

        return (cert, key);
    }
}
