using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>One etcd server of an <see cref="EtcdCluster"/>: its addresses, data directory, process and recent log.</summary>
public sealed class EtcdMember : IDisposable
{
    private const string ExecutablePath = "/usr/bin/etcd";
    private const int RecentLogCapacity = 200;
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly Queue<string> _recentLog = new();
    private IReadOnlyList<string> _startArguments = [];

    internal EtcdMember(string name, int clientPort, int peerPort, string dataDir, IssuedCertificate? clientCertificate = null, string? trustedClientCaFile = null)
    {
        Name = name;
        ClientPort = clientPort;
        PeerPort = peerPort;
        DataDir = dataDir;
        ClientCertificate = clientCertificate;
        TrustedClientCaFile = clientCertificate is null ? null : trustedClientCaFile;
    }

    public string Name { get; }

    /// <summary>More flags the member starts with, after the fixture's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    public int ClientPort { get; }

    public int PeerPort { get; }

    public string ClientAddress => $"127.0.0.1:{ClientPort}";

    /// <summary><c>https://127.0.0.1:PORT</c> when the member serves clients over TLS, otherwise <c>http://127.0.0.1:PORT</c>.</summary>
    public string ClientUrl => $"{(UsesTls ? "https" : "http")}://127.0.0.1:{ClientPort}";

    /// <summary>
    /// How etcdctl's <c>--endpoints</c> names this member: the bare address for plain http (what the fixture always gave),
    /// the https URL for TLS so etcdctl never guesses the scheme.
    /// </summary>
    public string ClientEndpoint => UsesTls ? ClientUrl : ClientAddress;

    /// <summary>The certificate the client port serves, or null when it serves plain http.</summary>
    public IssuedCertificate? ClientCertificate { get; }

    public bool UsesTls => ClientCertificate is not null;

    /// <summary>The CA file client certificates must chain to (<c>--client-cert-auth</c>); null when clients need none.</summary>
    public string? TrustedClientCaFile { get; }

    public string PeerUrl => $"http://127.0.0.1:{PeerPort}";

    public string DataDir { get; }

    /// <summary>The most recently started etcd process, or null if the member was never started.</summary>
    public Process? Process { get; private set; }

    /// <summary>True while the process exists, including while it is frozen by SIGSTOP.</summary>
    public bool IsRunning => Process is { HasExited: false };

    public int? Pid => IsRunning ? Process!.Id : null;

    /// <summary>The last lines etcd wrote, across restarts, for failure messages.</summary>
    public string RecentLog
    {
        get
        {
            lock (_recentLog)
            {
                return string.Join(Environment.NewLine, _recentLog);
            }
        }
    }

    public void Dispose()
    {
        Kill();
        Process?.Dispose();
    }

    public override string ToString() => $"{Name} (client {ClientAddress}, peer {PeerPort}, pid {Pid?.ToString() ?? "none"})";

    /// <summary>Starts etcd with the flags that make it a member of the given cluster.</summary>
    internal void Start(string initialCluster, string initialClusterState, string clusterToken)
    {
        _startArguments =
        [
            "--name", Name,
            "--data-dir", DataDir,
            "--listen-client-urls", ClientUrl,
            "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl,
            "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", initialCluster,
            "--initial-cluster-token", clusterToken,
            "--initial-cluster-state", initialClusterState,
            "--heartbeat-interval", "100",
            "--election-timeout", "1000",
            "--logger", "zap",
            "--log-outputs", "stderr",
            .. (ClientCertificate is null ? [] : new[] { "--cert-file", ClientCertificate.CertificatePath, "--key-file", ClientCertificate.KeyPath }),
            .. (TrustedClientCaFile is null ? [] : new[] { "--client-cert-auth", "--trusted-ca-file", TrustedClientCaFile }),
            .. ExtraArguments,
        ];
        Restart();
    }

    /// <summary>Starts etcd again with the flags of the previous start; once the data directory holds a
    /// write-ahead log, etcd ignores the initial-cluster flags and rejoins as the member it was.</summary>
    internal void Restart()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{this} is already running.");
        }

        Process?.Dispose();
        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _startArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Process = process;
        AppendLog($"=== started etcd, pid {process.Id} ===");
    }

    /// <summary>SIGKILLs the process and waits for it to exit; does nothing if it is not running.</summary>
    internal void Kill()
    {
        if (!IsRunning)
        {
            return;
        }

        // A frozen process is resumed first so that it dies the same way whether or not it was stopped.
        Resume();
        Process!.Kill();
        Process.WaitForExit();
    }

    /// <summary>
    /// Freezes the process with SIGSTOP: its sockets stay open but it answers nothing. Returns once the kernel shows it
    /// stopped (state T in /proc), so a request sent afterwards cannot be answered by a thread that had not stopped yet.
    /// </summary>
    internal void Suspend()
    {
        Signal(SigStop);
        var deadline = Environment.TickCount64 + 2_000;
        while (!IsStoppedInKernel() && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(1);
        }
    }

    private bool IsStoppedInKernel()
    {
        try
        {
            // Every thread must have stopped, not just the main one.
            return Directory.GetDirectories($"/proc/{Process!.Id}/task")
                .All(task => File.ReadAllText(Path.Combine(task, "stat")).Split(')')[^1].TrimStart().StartsWith('T'));
        }
        catch (IOException)
        {
            return true;
        }
    }

    internal void Resume() => Signal(SigCont);

    private void Signal(int signal)
    {
        if (!IsRunning)
        {
            throw new InvalidOperationException($"{this} is not running.");
        }

        if (SendSignal(Process!.Id, signal) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError());
        }
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_recentLog)
        {
            if (_recentLog.Count == RecentLogCapacity)
            {
                _recentLog.Dequeue();
            }

            _recentLog.Enqueue(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
