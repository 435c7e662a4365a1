using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.Endpoints;

/// <summary>
/// The one check of a member's TLS certificate, for every handshake the gateway itself makes (health probes, member-list
/// sync, SRV verification): the certificate must name one of the expected hosts and chain to a CA of the CA file (the
/// system roots when there is none), through the intermediates the member sends with it, as curl, etcdctl and Go do.
/// </summary>
internal sealed class PeerCertificateValidator
{
    private readonly X509Certificate2Collection? _bundle;
    private readonly string _trustSource;

    private PeerCertificateValidator(X509Certificate2Collection? bundle, string trustSource)
    {
        _bundle = bundle;
        _trustSource = trustSource;
    }

    /// <summary>Trusts the system roots.</summary>
    public static PeerCertificateValidator SystemRoots { get; } = new(null, "a system root CA");

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

        using var chain = new X509Chain();
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

        var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
        return $"certificate ({leaf.Subject}) does not chain to {_trustSource}" + (status.Length > 0 ? $": {status}" : "");
    }
}
