namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>A leaf certificate and its private key as PEM files (etcd's <c>--cert-file</c> and <c>--key-file</c>), with the CA that signed it.</summary>
public sealed record IssuedCertificate(string CertificatePath, string KeyPath, TestCertificateAuthority Authority);
