namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>How an <see cref="EtcdCluster"/> is built: its size and which members serve clients over TLS.</summary>
public sealed record EtcdClusterOptions
{
    public int MemberCount { get; init; } = 3;

    /// <summary>More etcd flags for every member (e.g. <c>--experimental-watch-progress-notify-interval</c>).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>
    /// The certificate every member serves its client port with (https); null for plain http.
    /// Peer traffic stays plain http either way.
    /// </summary>
    public IssuedCertificate? ClientCertificate { get; init; }

    /// <summary>
    /// Per-member exceptions to <see cref="ClientCertificate"/>, by member index (including members added later):
    /// another certificate, e.g. one for the wrong name or from another CA, or null for plain http.
    /// </summary>
    public IReadOnlyDictionary<int, IssuedCertificate?> MemberClientCertificates { get; init; } = new Dictionary<int, IssuedCertificate?>();

    /// <summary>
    /// When set, TLS members require client certificates that chain to this CA's root (<c>--client-cert-auth</c> with
    /// <c>--trusted-ca-file</c>), and the fixture presents one it issued for its own probes and etcdctl calls.
    /// </summary>
    public TestCertificateAuthority? ClientCertificateAuthority { get; init; }

    internal IssuedCertificate? ClientCertificateFor(int memberIndex) =>
        MemberClientCertificates.TryGetValue(memberIndex, out var certificate) ? certificate : ClientCertificate;
}
