using System.Net.Security;

namespace EtcdGateway.Cli;

/// <summary>
/// The cipher suite names <c>--listen-cipher-suites</c> takes, as etcd takes them (Go's names for TLS 1.2 and 1.3 suites,
/// secure and insecure, and etcd's two aliases without <c>_SHA256</c>), and the suite each stands for. Go's names are the
/// IANA names, which .NET's <see cref="TlsCipherSuite"/> uses too, so each maps to one value.
/// </summary>
internal static class GoCipherSuites
{
    /// <summary>Every name etcd accepts, with the suite it means.</summary>
    public static readonly IReadOnlyDictionary<string, TlsCipherSuite> ByName = new Dictionary<string, TlsCipherSuite>(StringComparer.Ordinal)
    {
        ["TLS_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        ["TLS_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        ["TLS_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        ["TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ["TLS_RSA_WITH_RC4_128_SHA"] = TlsCipherSuite.TLS_RSA_WITH_RC4_128_SHA,
        ["TLS_RSA_WITH_3DES_EDE_CBC_SHA"] = TlsCipherSuite.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
        ["TLS_RSA_WITH_AES_128_CBC_SHA"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA,
        ["TLS_RSA_WITH_AES_256_CBC_SHA"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA,
        ["TLS_RSA_WITH_AES_128_CBC_SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA256,
        ["TLS_RSA_WITH_AES_128_GCM_SHA256"] = TlsCipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256,
        ["TLS_RSA_WITH_AES_256_GCM_SHA384"] = TlsCipherSuite.TLS_RSA_WITH_AES_256_GCM_SHA384,
        ["TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA,
        ["TLS_ECDHE_RSA_WITH_RC4_128_SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_RC4_128_SHA,
        ["TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
        ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"] = TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"] = TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    };

    /// <summary>
    /// The TLS 1.3 suites. Go never lets them be configured (its list is for TLS 1.2 only) and always offers all three;
    /// .NET's policy covers both versions, so the proxy adds these to whatever was listed to keep Go's meaning.
    /// </summary>
    public static readonly IReadOnlyList<TlsCipherSuite> Tls13 =
        [TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256];

    /// <summary>
    /// Null when the suite can be offered here; otherwise why not. On Linux .NET's TLS is OpenSSL's, and OpenSSL 3 builds
    /// offer neither RC4 nor 3DES (<c>openssl ciphers RC4-SHA</c> says "Error in cipher list"), so a listener asked for
    /// only those could never complete a handshake.
    /// </summary>
    public static string? Unavailable(string name) =>
        name.Contains("_RC4_", StringComparison.Ordinal) || name.Contains("_3DES_", StringComparison.Ordinal)
            ? "RC4 and 3DES suites are not available from this system's OpenSSL, which .NET's TLS uses on Linux"
            : null;
}
