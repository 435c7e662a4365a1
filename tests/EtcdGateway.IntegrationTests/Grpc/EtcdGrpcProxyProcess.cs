using System.Collections.Concurrent;
using System.Diagnostics;
using Etcdserverpb;
using EtcdGateway.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// etcd's own L7 proxy, <c>etcd grpc-proxy start</c> (the reference ours replaces), on a free port, in a temporary
/// directory of its own, ready once it answers a Range; killed on dispose.
/// </summary>
public sealed class EtcdGrpcProxyProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _stderr = new();

    private EtcdGrpcProxyProcess(Process process, string directory, string listenAddress)
    {
        _process = process;
        _directory = directory;
        ListenAddress = listenAddress;
    }

    /// <summary><c>127.0.0.1:PORT</c> etcd's proxy listens on.</summary>
    public string ListenAddress { get; }

    public string Log => string.Join('\n', _stderr);

    /// <summary>The <c>etcd</c> executable on PATH, or null when it is not installed.</summary>
    public static string? Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "etcd")).FirstOrDefault(File.Exists);

    public static async Task<EtcdGrpcProxyProcess> StartAsync(string endpoints)
    {
        var executable = Executable ?? throw new FileNotFoundException("etcd is not on PATH");
        var directory = Directory.CreateTempSubdirectory("etcd-grpc-proxy-").FullName;
        var listen = $"127.0.0.1:{FreePorts.Next()}";
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // --data-dir is only used for auto-TLS certificates, but keep anything it writes out of the caller's directory.
            WorkingDirectory = directory,
        };
        foreach (var arg in new[] { "grpc-proxy", "start", $"--endpoints={endpoints}", $"--listen-addr={listen}", $"--data-dir={Path.Combine(directory, "proxy")}" })
        {
            info.ArgumentList.Add(arg);
        }

        var proxy = new EtcdGrpcProxyProcess(new Process { StartInfo = info }, directory, listen);
        proxy._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                proxy._stderr.Enqueue(e.Data);
            }
        };
        proxy._process.OutputDataReceived += (_, _) => { };
        proxy._process.Start();
        proxy._process.BeginErrorReadLine();
        proxy._process.BeginOutputReadLine();
        try
        {
            await proxy.WaitAnsweringAsync();
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    // Its "started gRPC proxy" line comes before its client has connected to a member: a Range answered is the real sign.
    private async Task WaitAnsweringAsync()
    {
        using var channel = GrpcChannel.ForAddress($"http://{ListenAddress}");
        var kv = new KV.KVClient(channel);
        var deadline = DateTime.UtcNow + StartupTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd grpc-proxy exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("side-by-side/ready") }, deadline: DateTime.UtcNow.AddSeconds(1));
                return;
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
