using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EtcdGateway.Endpoints;

/// <summary>
/// A certificate file and its key as TLS sends them: the first certificate of the file is ours (it must belong to the
/// key), the ones after it are the intermediates that issued it, as a PKI hands them out, and they are sent with it so a
/// peer that trusts only the root accepts it. Used for every certificate we present: to members and to clients.
/// </summary>
internal static class CertificateChainFile
{
    /// <summary>
    /// Reads both files now. <paramref name="trust"/>, for a server that asks for client certificates, names the CAs it
    /// accepts in its request, so a client holding several certificates can pick the right one.
    /// </summary>
    public static SslStreamCertificateContext Load(string certFile, string keyFile, SslCertificateTrust? trust = null)
    {
        var leaf = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certFile);
        all[0].Dispose();
        var intermediates = new X509Certificate2Collection();
        foreach (var certificate in all.Skip(1))
        {
            intermediates.Add(certificate);
        }

        // Offline: the chain is what the file says; nothing is fetched from the network to complete it.
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true, trust);
    }
}
