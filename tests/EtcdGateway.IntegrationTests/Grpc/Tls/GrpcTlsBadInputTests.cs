using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc.Tls;

/// <summary>
/// The TLS flags of <c>grpc-proxy start</c> with bad input, through the real executable and with certificates made here:
/// one line naming the flag and the value, exit code 2, nothing started.
/// </summary>
public sealed class GrpcTlsBadInputTests : IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly TestCertificateAuthority _authority;
    private readonly IssuedCertificate _server;
    private readonly IssuedCertificate _unnamedClient;
    private readonly IssuedCertificate _namedClient;

    public GrpcTlsBadInputTests()
    {
        _authority = _certificates.CreateAuthority("bad-input-ca");
        _server = _authority.IssueServerCertificate(["localhost"], [System.Net.IPAddress.Loopback]);
        _unnamedClient = _authority.IssueClientCertificate(commonName: null);
        _namedClient = _authority.IssueClientCertificate("root");
    }

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task Each_Bad_Tls_Input_Is_One_Line_Naming_The_Flag_And_Value_With_Exit_Code_2()
    {
        var missing = Path.Combine(_certificates.DirectoryPath, "missing.key");
        var cases = new (string[] Args, string Expected)[]
        {
            ([$"--cert-file={_server.CertificatePath}", $"--key-file={missing}"], $"invalid value \"{missing}\" for flag --key-file: no such file"),
            ([$"--key-file={_server.KeyPath}"], $"invalid value \"{_server.KeyPath}\" for flag --key-file: --cert-file and --key-file go together"),
            ([$"--cert-file={_server.CertificatePath}"], $"invalid value \"{_server.CertificatePath}\" for flag --cert-file: --cert-file and --key-file go together"),
            ([$"--key={_unnamedClient.KeyPath}"], $"invalid value \"{_unnamedClient.KeyPath}\" for flag --key: --cert and --key go together"),
            ([$"--cert-file={_server.CertificatePath}", $"--key-file={_unnamedClient.KeyPath}"], $"invalid value \"{_server.CertificatePath}\" for flag --cert-file: cannot load the certificate with --key-file"),
            ([$"--cert={_namedClient.CertificatePath}", $"--key={_namedClient.KeyPath}"], $"invalid value \"{_namedClient.CertificatePath}\" for flag --cert: the certificate has a Common Name (root)"),
            (["--tls-min-version=TLS1.1"], "invalid value \"TLS1.1\" for flag --tls-min-version: expected TLS1.2 or TLS1.3"),
            (["--tls-max-version=1.3"], "invalid value \"1.3\" for flag --tls-max-version: expected TLS1.2 or TLS1.3"),
            (["--tls-min-version=TLS1.3", "--tls-max-version=TLS1.2"], "invalid value \"TLS1.3\" for flag --tls-min-version: greater than --tls-max-version TLS1.2"),
            ([$"--trusted-ca-file={_authority.CertificatePath}"], $"invalid value \"{_authority.CertificatePath}\" for flag --trusted-ca-file: checks client certificates, which needs TLS"),
            ([$"--cert-file={_server.CertificatePath}", $"--key-file={_server.KeyPath}", $"--client-crl-file={_authority.CertificatePath}"],
                $"invalid value \"{_authority.CertificatePath}\" for flag --client-crl-file: revokes client certificates, which are asked for only with --trusted-ca-file"),
            ([$"--cert-file={_server.CertificatePath}", $"--key-file={_server.KeyPath}", $"--trusted-ca-file={_authority.CertificatePath}", $"--client-crl-file={_server.KeyPath}"],
                $"invalid value \"{_server.KeyPath}\" for flag --client-crl-file: not a certificate revocation list"),
            ([$"--cacert={_server.KeyPath}"], $"invalid value \"{_server.KeyPath}\" for flag --cacert: no PEM certificate in the file"),
            (["--listen-cipher-suites=TLS_RSA_WITH_RC4_128_SHA"], "invalid value \"TLS_RSA_WITH_RC4_128_SHA\" for flag --listen-cipher-suites: RC4 and 3DES suites are not available"),
            (["--listen-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], "invalid value \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\" for flag --listen-cipher-suites: applies to TLS with clients"),
            (["--auto-tls", "--self-signed-cert-validity=0"], "invalid value \"0\" for flag --self-signed-cert-validity: must be at least 1 with --auto-tls"),
        };

        foreach (var (args, expected) in cases)
        {
            var result = await GatewayProcess.RunToExitAsync(["grpc-proxy", "start", $"--listen-addr=127.0.0.1:{FreePorts.Next()}", .. args]);
            UsageErrorAssert.IsUsageError(result, expected);
        }
    }

    [Fact]
    public async Task An_Auto_Tls_Data_Dir_That_Cannot_Be_Made_Is_Bad_Input()
    {
        var blocker = Path.Combine(_certificates.DirectoryPath, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");

        var result = await GatewayProcess.RunToExitAsync([
            "grpc-proxy", "start", $"--listen-addr=127.0.0.1:{FreePorts.Next()}", $"--endpoints=127.0.0.1:{FreePorts.Next()}", "--auto-tls", $"--data-dir={blocker}"]);

        UsageErrorAssert.IsUsageError(result, $"invalid value \"{blocker}\" for flag --data-dir: cannot make or read the --auto-tls certificate");
    }
}
