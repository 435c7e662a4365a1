using EtcdGateway.IntegrationTests.Grpc;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Lifecycle;

/// <summary>
/// Started from "/", as systemd (deploy/*.service) and container runtimes start it, the executable reads and watches
/// nothing there. ASP.NET Core's default builders read appsettings*.json from the working directory and watch it,
/// recursively, for changes: a gRPC proxy started from "/" walked the whole file system before serving (seconds, and
/// tens of MiB). Each such watcher holds an inotify descriptor, so none may be open once the process is ready.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WorkingDirectoryTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cwd-").FullName;

    private string Launcher => Path.Combine(_directory, "from-root");

    public WorkingDirectoryTests()
    {
        File.WriteAllText(Launcher, "#!/bin/sh\ncd / || exit 126\nexec \"$@\"\n");
        File.SetUnixFileMode(Launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("start")]
    [InlineData("grpc-proxy start")]
    public async Task StartedFromTheRoot_WithItsAdminListener_WatchesNoDirectory(string command)
    {
        string[] args = [$"--endpoints=127.0.0.1:{FreePorts.Next()}", "--health-check=none", $"--metrics-addr=http://127.0.0.1:{FreePorts.Next()}"];
        await using var process = command == "start"
            ? await GatewayProcess.StartAsync(args, launcher: Launcher)
            : await GatewayProcess.StartCommandAsync(["grpc-proxy", "start"], GrpcProxyProcess.ReadyMessage, args, launcher: Launcher);

        Assert.Equal("/", new DirectoryInfo($"/proc/{process.Pid}/cwd").LinkTarget);
        var descriptors = Directory.GetFiles($"/proc/{process.Pid}/fd").Select(fd => new FileInfo(fd).LinkTarget).ToList();
        Assert.NotEmpty(descriptors);
        Assert.DoesNotContain("anon_inode:inotify", descriptors);
    }
}
