using System.Net;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>Checks that the cluster fixture can serve clients over TLS, and that TLS there is real: the CA and the name matter.</summary>
public sealed class TlsEtcdClusterFixtureTests
{
    [Fact]
    public async Task Tls_member_serves_etcdctl_that_trusts_its_ca_and_rejects_one_that_trusts_another()
    {
        using var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("right-ca");
        var unrelated = certificates.CreateAuthority("wrong-ca");
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 1,
            ClientCertificate = authority.IssueServerCertificate(["localhost"], [IPAddress.Loopback]),
        });
        var member = cluster.Members[0];
        Assert.Equal($"https://127.0.0.1:{member.ClientPort}", member.ClientUrl);

        var put = await Etcdctl.RunTlsAsync(member.ClientUrl, authority.CertificatePath, "put", "foo", "bar");
        Assert.True(put.Succeeded, put.ToString());
        var get = await Etcdctl.RunTlsAsync(cluster.ClientEndpoints, authority.CertificatePath, "get", "foo", "--print-value-only");
        Assert.True(get.Succeeded, get.ToString());
        Assert.Equal("bar", get.StdOut.Trim());

        var wrongCa = await Etcdctl.RunTlsAsync(member.ClientUrl, unrelated.CertificatePath, "get", "foo");
        Assert.False(wrongCa.Succeeded, wrongCa.ToString());
        AssertClientRejectedCertificate(member);
        var plainHttp = await Etcdctl.RunAsync(member.ClientAddress, "get", "foo");
        Assert.False(plainHttp.Succeeded, plainHttp.ToString());
    }

    [Fact]
    public async Task Member_whose_certificate_names_another_host_starts_but_fails_etcdctl_name_check()
    {
        using var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("right-ca");
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 1,
            ClientCertificate = authority.IssueServerCertificate(["elsewhere.example.test"], []),
        });

        var wrongName = await Etcdctl.RunTlsAsync(cluster.Members[0].ClientUrl, authority.CertificatePath, "get", "foo");

        Assert.False(wrongName.Succeeded, wrongName.ToString());
        AssertClientRejectedCertificate(cluster.Members[0]);
    }

    [Fact]
    public async Task Mixed_cluster_serves_tls_and_plain_members_and_adds_a_tls_member()
    {
        using var certificates = new TestCertificates();
        var authority = certificates.CreateAuthority("right-ca");
        await using var cluster = await EtcdCluster.StartAsync(new EtcdClusterOptions
        {
            MemberCount = 3,
            ClientCertificate = authority.IssueServerCertificate(["localhost"], [IPAddress.Loopback]),
            MemberClientCertificates = new Dictionary<int, IssuedCertificate?> { [2] = null },
        });
        Assert.Equal([true, true, false], cluster.Members.Select(m => m.UsesTls));

        var added = await cluster.AddMemberAsync();

        Assert.True(added.UsesTls);
        var put = await Etcdctl.RunTlsAsync(cluster.ClientEndpoints, authority.CertificatePath, "put", "foo", "bar");
        Assert.True(put.Succeeded, put.ToString());
        var getPlain = await Etcdctl.RunAsync(cluster.Members[2].ClientAddress, "get", "foo", "--print-value-only");
        Assert.True(getPlain.Succeeded, getPlain.ToString());
        Assert.Equal("bar", getPlain.StdOut.Trim());
        var getAdded = await Etcdctl.RunTlsAsync(added.ClientUrl, authority.CertificatePath, "get", "foo", "--print-value-only");
        Assert.Equal("bar", getAdded.StdOut.Trim());
    }

    // etcdctl 3.4 only prints "context deadline exceeded"; the member's log tells a refused certificate from an
    // unreachable port: the client ends the handshake with a bad_certificate alert.
    private static void AssertClientRejectedCertificate(EtcdMember member) =>
        Assert.Contains("remote error: tls: bad certificate", member.RecentLog, StringComparison.Ordinal);
}
