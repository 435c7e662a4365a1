using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.Endpoints;

/// <summary>
/// The one check of a peer's TLS certificate, for every handshake the gateway and the proxy make or take: a member's
/// (health probes, member-list sync, SRV verification, the proxy's calls) must name one of the expected hosts, allow
/// server authentication and chain to a CA of the CA file (the system roots when there is none), through the
/// intermediates the member sends with it, as curl, etcdctl and Go do; a client's (the proxy's <c>--trusted-ca-file</c>)
/// must allow client authentication and chain the same way, with no name to match, as etcd's proxy checks it.
/// </summary>
internal sealed class PeerCertificateValidator
{
    /// <summary>
    /// Extended key usages, as Go's verifier asks for them (a certificate without the extension allows any). Named here, not
    /// looked up (<c>Oid.FromOidValue</c> asks OpenSSL for the name): the first health probe makes this type, and a lookup
    /// loaded and initialised OpenSSL at every start, about 3.5 MB of resident memory, with no TLS anywhere.
    /// </summary>
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2Collection? _bundle;
    private readonly string _trustSource;
    private readonly bool _acceptAny;

    private PeerCertificateValidator(X509Certificate2Collection? bundle, string trustSource, bool acceptAny = false)
    {
        _bundle = bundle;
        _trustSource = trustSource;
        _acceptAny = acceptAny;
    }

    /// <summary>Trusts the system roots.</summary>
    public static PeerCertificateValidator SystemRoots { get; } = new(null, "a system root CA");

    /// <summary>
    /// Accepts any certificate, or none: <c>--insecure-skip-tls-verify</c>, which etcd offers for testing and warns about.
    /// The connection is encrypted but the peer is not authenticated.
    /// </summary>
    public static PeerCertificateValidator AcceptAny { get; } = new(null, "anything (--insecure-skip-tls-verify)", acceptAny: true);

    /// <summary>
    /// Reads <paramref name="caFile"/> now (every certificate in it: roots, and intermediates some bundles add) and trusts
    /// only those; the system roots when it is null. <paramref name="trustSource"/> names the file in rejection reasons.
    /// </summary>
    public static PeerCertificateValidator Load(string? caFile, string trustSource)
    {
        if (caFile is null)
        {
            return SystemRoots;
        }

        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(caFile);
        return FromCertificates(bundle, trustSource);
    }

    /// <summary>Trusts the CAs in <paramref name="bundle"/> only; <paramref name="trustSource"/> names them in rejection reasons.</summary>
    public static PeerCertificateValidator FromCertificates(X509Certificate2Collection bundle, string trustSource) => new(bundle, trustSource);

    /// <summary>
    /// Null when <paramref name="certificate"/> names one of <paramref name="names"/> and chains to a trusted CA; otherwise why
    /// not, for a log line. <paramref name="sent"/> is the chain TLS handed the validation callback: its extra store holds the
    /// certificates the member sent after its own (the intermediates), which a chain built afresh would not know.
    /// </summary>
    public string? Check(X509Certificate? certificate, X509Chain? sent, IReadOnlyList<string> names)
    {
        if (_acceptAny)
        {
            return null;
        }

        if (certificate is null)
        {
            return "the endpoint sent no certificate";
        }

        // The callback's certificate is usually an X509Certificate2 already; a copy otherwise, disposed with this check.
        using var owned = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        var leaf = owned ?? (X509Certificate2)certificate;

        // The name is ours to check, not the TLS stack's: the caller knows every name that may be on it (for SRV targets,
        // the target or the discovery domain, as etcd's docs allow).
        if (!names.Any(name => leaf.MatchesHostname(name)))
        {
            return $"certificate ({leaf.Subject}) is not valid for {string.Join(" or ", names)}";
        }

        return CheckChain(leaf, sent, ServerAuthentication, "server");
    }

    /// <summary>
    /// Null when a client's <paramref name="certificate"/> allows client authentication and chains to a trusted CA through
    /// the intermediates the client sent (<paramref name="sent"/>); otherwise why not. No name is checked: etcd's proxy
    /// checks none either.
    /// </summary>
    public string? CheckClient(X509Certificate? certificate, X509Chain? sent)
    {
        if (_acceptAny)
        {
            return null;
        }

        if (certificate is null)
        {
            return "the client sent no certificate";
        }

        using var owned = certificate as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return CheckChain(owned ?? (X509Certificate2)certificate, sent, ClientAuthentication, "client");
    }

    private string? CheckChain(X509Certificate2 leaf, X509Chain? sent, Oid usage, string role)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (sent is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(sent.ChainPolicy.ExtraStore);
            foreach (var element in sent.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (_bundle is not null)
        {
            // Every certificate of the file is a trust anchor, as in Go's and OpenSSL's CA files; a non-root one in the extra
            // store as well lets the chain reach the root through it when the member did not send it.
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_bundle);
            chain.ChainPolicy.ExtraStore.AddRange(_bundle);
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        if (chain.ChainStatus.Any(s => s.Status == X509ChainStatusFlags.NotValidForUsage)
            && chain.ChainStatus.All(s => s.Status is X509ChainStatusFlags.NotValidForUsage or X509ChainStatusFlags.NoError))
        {
            return $"certificate ({leaf.Subject}) is not valid for {role} authentication (its extended key usage)";
        }

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"certificate ({leaf.Subject}) does not chain to {_trustSource}" + (status.Length > 0 ? $": {status}" : "");
    }
}
