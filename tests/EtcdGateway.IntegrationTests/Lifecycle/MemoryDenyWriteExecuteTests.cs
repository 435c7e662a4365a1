using System.Diagnostics;
using EtcdGateway.IntegrationTests.Grpc;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Lifecycle;

/// <summary>
/// The gateway runs where memory may not be writable and executable at once: the kernel's PR_SET_MDWE, which systemd's
/// <c>MemoryDenyWriteExecute=yes</c> (in deploy/etcd-gateway.service) asks for. A few lines of C, compiled here, set it
/// and exec the gateway; the setting is inherited across exec.
/// </summary>
public sealed class MemoryDenyWriteExecuteTests : IAsyncLifetime
{
    private const string LauncherSource = """
        #include <stdio.h>
        #include <sys/prctl.h>
        #include <unistd.h>
        #ifndef PR_SET_MDWE
        #define PR_SET_MDWE 65
        #define PR_GET_MDWE 66
        #define PR_MDWE_REFUSE_EXEC_GAIN 1
        #endif
        int main(int argc, char **argv) {
            if (argc < 2) { fprintf(stderr, "usage: mdwe PROGRAM [ARG...]\n"); return 2; }
            if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L) != 0) { perror("prctl(PR_SET_MDWE)"); return 3; }
            if (prctl(PR_GET_MDWE, 0L, 0L, 0L, 0L) != PR_MDWE_REFUSE_EXEC_GAIN) { fprintf(stderr, "PR_GET_MDWE does not report the flag\n"); return 3; }
            execv(argv[1], argv + 1);
            perror("execv");
            return 127;
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("mdwe-").FullName;

    private string Launcher => Path.Combine(_directory, "mdwe");

    public async ValueTask InitializeAsync()
    {
        var source = Path.Combine(_directory, "mdwe.c");
        await File.WriteAllTextAsync(source, LauncherSource);
        var compile = await RunAsync("cc", ["-O2", "-o", Launcher, source]);
        Assert.True(compile.ExitCode == 0, $"cc failed: {compile.Output}");
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_Launcher_Has_Teeth_A_Jit_Build_Of_The_Gateway_Cannot_Run_Under_It()
    {
        // What the gateway was before it was native: the JIT needs memory it writes and then executes, and dies here.
        var (host, prefix) = GatewayProcess.JitBuild;
        var result = await RunAsync(Launcher, [FindOnPath(host), .. prefix, "--version"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain("etcd-gateway Version", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Native_Gateway_Proxies_Etcdctl_Under_PR_SET_MDWE()
    {
        if (!GatewayProcess.IsNativeExecutable)
        {
            Assert.Skip("ETCD_GATEWAY_BIN does not name the published native executable (scripts/test sets it)");
        }

        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"], launcher: Launcher);

        var put = await Etcdctl.RunAsync(gateway.ListenAddress, "put", "mdwe/key", "value");
        Assert.True(put.ExitCode == 0, put.StdErr);
        var get = await Etcdctl.RunAsync(gateway.ListenAddress, "get", "mdwe/key", "--print-value-only");
        Assert.Equal("value", get.StdOut.Trim());
        Assert.False(gateway.HasExited);
    }

    [Fact]
    public async Task The_Native_Grpc_Proxy_Serves_Etcdctl_Under_PR_SET_MDWE()
    {
        if (!GatewayProcess.IsNativeExecutable)
        {
            Assert.Skip("ETCD_GATEWAY_BIN does not name the published native executable (scripts/test sets it)");
        }

        // deploy/etcd-gateway-grpc-proxy.service sets MemoryDenyWriteExecute=yes too: Kestrel, HTTP/2 and the gRPC
        // client to the members must all run without writable and executable memory.
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GatewayProcess.StartCommandAsync(
            ["grpc-proxy", "start"], GrpcProxyProcess.ReadyMessage, [$"--endpoints={cluster.ClientEndpoints}"], launcher: Launcher);

        var put = await Etcdctl.RunAsync(proxy.ListenAddress, "put", "mdwe/key", "value");
        Assert.True(put.ExitCode == 0, put.StdErr);
        var get = await Etcdctl.RunAsync(proxy.ListenAddress, "get", "mdwe/key", "--print-value-only");
        Assert.Equal("value", get.StdOut.Trim());
        Assert.False(proxy.HasExited);
    }

    private static string FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException($"{name} is not on PATH");

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
