using System.Diagnostics;
using System.Globalization;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Cluster;

/// <summary>Why a real network partition cannot be made here (not root, no iptables, no cgroup v2, ...).</summary>
public sealed class PartitionUnavailableException(string message) : Exception(message);

/// <summary>
/// Cuts one member off from its peers with iptables while its client port stays reachable, so clients and the
/// gateway's probes still reach it, as with a real partition between etcd servers.
/// </summary>
/// <remarks>
/// Every member listens on 127.0.0.1, so addresses cannot tell the members apart and ports must. The member's peer
/// port is dropped both ways (the peers' connections to it). Its own connections to the peers' ports come from
/// ephemeral ports, which another member's connections use too: those open now are found in /proc and dropped by
/// port pair; those it opens later (redials, pipelined messages) are recognised by a cgroup v2 the member is moved
/// into for the partition (iptables' cgroup match, in OUTPUT). The rules live in one chain of their own, jumped to
/// from INPUT and OUTPUT, and are removed again by <see cref="Dispose"/>.
/// </remarks>
public sealed class PeerPartition : IDisposable
{
    private const string Iptables = "iptables";

    private readonly string _chain;
    private readonly string _cgroupDir;
    private readonly string? _originalCgroupProcs;
    private readonly int _pid;
    private readonly List<string[]> _jumps = [];
    private bool _chainCreated;
    private bool _healed;

    private PeerPartition(int pid, string chain, string cgroupDir, string? originalCgroupProcs)
    {
        _pid = pid;
        _chain = chain;
        _cgroupDir = cgroupDir;
        _originalCgroupProcs = originalCgroupProcs;
    }

    /// <summary>What was done, for the report.</summary>
    public string Method { get; private set; } = "";

    /// <summary>Isolates member <paramref name="index"/> from its peers, or throws <see cref="PartitionUnavailableException"/>.</summary>
    public static PeerPartition Isolate(EtcdCluster cluster, int index)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new PartitionUnavailableException("not running as root, so no iptables rules");
        }

        var check = Run(Iptables, "-w", "-S", "OUTPUT");
        if (check.ExitCode != 0)
        {
            throw new PartitionUnavailableException($"iptables does not work here: {check.Output.Trim()}");
        }

        var cgroupRoot = CgroupV2Root() ?? throw new PartitionUnavailableException("no cgroup v2 hierarchy mounted, so the member's new connections cannot be told apart");
        var member = cluster.Members[index];
        var pid = member.Pid ?? throw new InvalidOperationException($"{member} is not running");
        var otherPeerPorts = cluster.Members.Where((_, i) => i != index).Select(m => m.PeerPort).ToList();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var name = $"etcd-gw-chaos-{suffix}";
        var partition = new PeerPartition(pid, $"EGWCHAOS-{suffix}", Path.Combine(cgroupRoot, name), OriginalCgroupProcs(cgroupRoot, pid));
        try
        {
            partition.Apply(member.PeerPort, otherPeerPorts, "/" + name);
            return partition;
        }
        catch
        {
            partition.Dispose();
            throw;
        }
    }

    /// <summary>Packets the partition's rules have dropped so far (evidence that it cut real traffic).</summary>
    public long DroppedPackets()
    {
        var list = Run(Iptables, "-w", "-L", _chain, "-v", "-n", "-x");
        return list.Output.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 2 && fields[2] == "DROP")
            .Sum(fields => long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0);
    }

    /// <summary>Removes the rules and the cgroup; returns what could not be undone (empty when everything was).</summary>
    public IReadOnlyList<string> Heal()
    {
        var problems = new List<string>();
        if (_healed)
        {
            return problems;
        }

        _healed = true;
        foreach (var jump in _jumps)
        {
            Expect(problems, Run(Iptables, ["-w", "-D", .. jump]), $"remove jump {string.Join(' ', jump)}");
        }

        if (_chainCreated)
        {
            Expect(problems, Run(Iptables, "-w", "-F", _chain), $"flush {_chain}");
            Expect(problems, Run(Iptables, "-w", "-X", _chain), $"delete {_chain}");
        }

        if (Directory.Exists(_cgroupDir))
        {
            if (_originalCgroupProcs is not null && File.Exists(Path.Combine(_cgroupDir, "cgroup.procs"))
                && File.ReadAllText(Path.Combine(_cgroupDir, "cgroup.procs")).Split('\n').Contains(_pid.ToString(CultureInfo.InvariantCulture)))
            {
                try
                {
                    File.WriteAllText(_originalCgroupProcs, _pid.ToString(CultureInfo.InvariantCulture));
                }
                catch (IOException e)
                {
                    problems.Add($"move pid {_pid} back to {_originalCgroupProcs}: {e.Message}");
                }
            }

            RemoveCgroup(problems);
        }

        return problems;
    }

    public void Dispose() => Heal();

    private void Apply(int memberPeerPort, IReadOnlyList<int> otherPeerPorts, string cgroupPath)
    {
        // New sockets of the member belong to the cgroup it is in when it creates them; sockets it already has are
        // listed afterwards, so none falls between the two.
        Directory.CreateDirectory(_cgroupDir);
        File.WriteAllText(Path.Combine(_cgroupDir, "cgroup.procs"), _pid.ToString(CultureInfo.InvariantCulture));
        var outgoing = OpenConnections(_pid).Where(c => otherPeerPorts.Contains(c.RemotePort)).ToList();

        Require(Run(Iptables, "-w", "-N", _chain), $"create chain {_chain}");
        _chainCreated = true;
        var port = memberPeerPort.ToString(CultureInfo.InvariantCulture);
        Require(Run(Iptables, "-w", "-A", _chain, "-p", "tcp", "--dport", port, "-j", "DROP"), "drop to the member's peer port");
        Require(Run(Iptables, "-w", "-A", _chain, "-p", "tcp", "--sport", port, "-j", "DROP"), "drop from the member's peer port");
        foreach (var (local, remote) in outgoing)
        {
            var l = local.ToString(CultureInfo.InvariantCulture);
            var r = remote.ToString(CultureInfo.InvariantCulture);
            Require(Run(Iptables, "-w", "-A", _chain, "-p", "tcp", "--sport", l, "--dport", r, "-j", "DROP"), $"drop {l}->{r}");
            Require(Run(Iptables, "-w", "-A", _chain, "-p", "tcp", "--sport", r, "--dport", l, "-j", "DROP"), $"drop {r}->{l}");
        }

        var others = string.Join(',', otherPeerPorts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        Require(
            Run(Iptables, "-w", "-A", _chain, "-m", "cgroup", "--path", cgroupPath, "-p", "tcp", "-m", "multiport", "--dports", others, "-j", "DROP"),
            "drop the member's new connections to its peers");

        // Only loopback traffic is ever sent to the chain.
        foreach (var jump in new[] { new[] { "INPUT", "-i", "lo", "-j", _chain }, ["OUTPUT", "-o", "lo", "-j", _chain] })
        {
            Require(Run(Iptables, ["-w", "-I", jump[0], "1", .. jump[1..]]), $"jump from {jump[0]}");
            _jumps.Add(jump);
        }

        Method = $"iptables DROP rules in chain {_chain}, reached from INPUT -i lo and OUTPUT -o lo: the member's peer port {port} both ways, "
            + $"{outgoing.Count} open connection(s) of the member to peer ports {others} by port pair, and its new connections "
            + $"to {others} by cgroup v2 ({cgroupPath}); client port untouched";
    }

    private void RemoveCgroup(List<string> problems)
    {
        // A process leaves a cgroup a moment after being moved or killed.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_cgroupDir);
                return;
            }
            catch (IOException e) when (attempt < 50)
            {
                _ = e;
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                problems.Add($"remove cgroup {_cgroupDir}: {e.Message}");
                return;
            }
        }
    }

    /// <summary>The process's TCP connections (not listeners) as local and remote ports, from /proc.</summary>
    private static List<(int LocalPort, int RemotePort)> OpenConnections(int pid)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        var connections = new List<(int, int)>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            var path = $"/proc/{pid}/net/{table}";
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadAllLines(path).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                const string Listen = "0A";
                if (fields.Length > 9 && inodes.Contains(fields[9]) && fields[3] != Listen)
                {
                    connections.Add((HexPort(fields[1]), HexPort(fields[2])));
                }
            }
        }

        return connections;
    }

    private static int HexPort(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string? CgroupV2Root() =>
        File.ReadAllLines("/proc/mounts")
            .Select(line => line.Split(' '))
            .Where(fields => fields.Length > 2 && fields[2] == "cgroup2")
            .Select(fields => fields[1])
            .FirstOrDefault();

    private static string? OriginalCgroupProcs(string cgroupRoot, int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        return line is null ? null : Path.Combine(cgroupRoot, line["0::".Length..].TrimStart('/'), "cgroup.procs");
    }

    private static void Require((int ExitCode, string Output) result, string what)
    {
        if (result.ExitCode != 0)
        {
            throw new PartitionUnavailableException($"iptables could not {what}: {result.Output.Trim()}");
        }
    }

    private static void Expect(List<string> problems, (int ExitCode, string Output) result, string what)
    {
        if (result.ExitCode != 0)
        {
            problems.Add($"{what}: {result.Output.Trim()}");
        }
    }

    private static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{file}: {e.Message}");
        }
    }
}
