using System.Reflection;
using System.Runtime.InteropServices;

namespace EtcdGateway.Cli;

/// <summary>What <c>etcd-gateway --version</c> prints.</summary>
internal static class VersionInfo
{
    public static string Version =>
        typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "unknown";

    public static string Text() =>
        $"""
        etcd-gateway Version: {Version}
        Runtime: .NET {Environment.Version}
        OS/Arch: {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}
        Compatible with: etcd gateway flags of etcd 3.4-3.6

        """;
}
