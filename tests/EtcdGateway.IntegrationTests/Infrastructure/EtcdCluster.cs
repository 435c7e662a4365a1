using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>A real local etcd cluster on free 127.0.0.1 ports, with the process-level faults tests need to inject.</summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _rootDir;
    private readonly EtcdClusterOptions _options;
    private readonly string _clusterToken = $"etcd-gw-test-{Guid.NewGuid():N}";
    private readonly List<EtcdMember> _members = [];

    // For /health and status probes. A frozen (SIGSTOPped) member accepts connections but never answers, so every
    // probe needs its own limit. TLS members are trusted through the CA that issued their certificate, nothing else.
    private readonly HttpClient _http;

    // With client-certificate auth on the members, the certificate the fixture presents (to /health and to etcdctl),
    // issued by the root itself so that it needs no intermediate to be sent with it.
    private readonly IssuedCertificate? _fixtureCertificate;

    private EtcdCluster(string rootDir, EtcdClusterOptions options)
    {
        _rootDir = rootDir;
        _options = options;
        _fixtureCertificate = options.ClientCertificateAuthority?.Root.IssueClientCertificate("etcd-cluster-fixture");
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = IsMemberCertificate };
        if (_fixtureCertificate is not null)
        {
            handler.ClientCertificates.Add(X509Certificate2.CreateFromPemFile(_fixtureCertificate.CertificatePath, _fixtureCertificate.KeyPath));
        }

        _http = new HttpClient(handler)
        {
            Timeout = TimeSpan.FromSeconds(2),
        };
    }

    public IReadOnlyList<EtcdMember> Members => _members;

    /// <summary>
    /// All members' client endpoints, comma-separated, as etcdctl's --endpoints expects: <c>127.0.0.1:PORT</c> for
    /// plain members, <c>https://127.0.0.1:PORT</c> for TLS ones.
    /// </summary>
    public string ClientEndpoints => string.Join(',', _members.Select(m => m.ClientEndpoint));

    /// <summary>Boots a new cluster in a fresh temporary directory and returns once every member reports healthy.</summary>
    public static Task<EtcdCluster> StartAsync(int memberCount = 3, CancellationToken ct = default) =>
        StartAsync(new EtcdClusterOptions { MemberCount = memberCount }, ct);

    /// <summary>
    /// Boots a new cluster as <paramref name="options"/> describe (e.g. members serving clients over TLS) and returns
    /// once every member reports healthy.
    /// </summary>
    public static async Task<EtcdCluster> StartAsync(EtcdClusterOptions options, CancellationToken ct = default)
    {
        var cluster = new EtcdCluster(Directory.CreateTempSubdirectory("etcd-gw-test-").FullName, options);
        try
        {
            for (var i = 0; i < options.MemberCount; i++)
            {
                cluster._members.Add(cluster.CreateMember());
            }

            var initialCluster = string.Join(',', cluster._members.Select(m => $"{m.Name}={m.PeerUrl}"));
            foreach (var member in cluster._members)
            {
                member.Start(initialCluster, "new", cluster._clusterToken);
            }

            await cluster.WaitHealthyAsync(cluster._members, StartupTimeout, ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILLs a member and waits until it has exited.</summary>
    public void Kill(int index) => _members[index].Kill();

    /// <summary>Freezes a member with SIGSTOP, so its peers and clients see a hung rather than a closed socket.</summary>
    public void Stop(int index) => _members[index].Suspend();

    /// <summary>Resumes a member frozen by <see cref="Stop"/>.</summary>
    public void Continue(int index) => _members[index].Resume();

    /// <summary>Starts a killed member again from its existing data directory and waits until it is healthy.</summary>
    public async Task RestartAsync(int index)
    {
        _members[index].Restart();
        await WaitHealthyAsync(index, StartupTimeout);
    }

    public Task WaitHealthyAsync(int index, TimeSpan timeout) => WaitHealthyAsync([_members[index]], timeout, default);

    /// <summary>
    /// Returns the index of the current leader, waiting up to 10 s for an election to finish.
    /// If a member that was cut off still believes it leads, the leader of the newest term wins.
    /// </summary>
    public async Task<int> LeaderIndexAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var statuses = await Task.WhenAll(_members.Select(TryGetStatusAsync));
            var leaders = Enumerable.Range(0, statuses.Length)
                .Where(i => statuses[i] is { IsLeader: true })
                .ToList();
            if (leaders.Count > 0)
            {
                return leaders.MaxBy(i => statuses[i]!.Value.Term);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No member reports itself as leader.{Environment.NewLine}{DescribeMembers(_members)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>
    /// Moves leadership off member <paramref name="index"/> when it leads, so that hanging or killing it costs the
    /// cluster no election: writes made right after go through instead of timing out while a new leader is chosen.
    /// </summary>
    public async Task MoveLeaderAwayFromAsync(int index)
    {
        var leader = await LeaderIndexAsync();
        if (leader != index)
        {
            return;
        }

        var to = (index + 1) % _members.Count;
        using var request = new StringContent("{}");
        using var response = await _http.PostAsync(new Uri($"{_members[to].ClientUrl}/v3/maintenance/status"), request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = ulong.Parse(body.RootElement.GetProperty("header").GetProperty("member_id").GetString()!, CultureInfo.InvariantCulture);
        var moved = await Etcdctl.RunAsync(_members[leader].ClientAddress, "move-leader", id.ToString("x", CultureInfo.InvariantCulture));
        if (!moved.Succeeded || await LeaderIndexAsync() != to)
        {
            throw new InvalidOperationException($"leadership did not move from member {index} to {to}: {moved}");
        }
    }

    /// <summary>
    /// Registers a new member with <c>etcdctl member add</c>, starts it so it joins the running cluster,
    /// waits until it is healthy and appends it to <see cref="Members"/>.
    /// </summary>
    public async Task<EtcdMember> AddMemberAsync()
    {
        var member = CreateMember();
        var added = await RunMemberAddAsync(member);
        var initialCluster = added.StdOut.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("ETCD_INITIAL_CLUSTER=", StringComparison.Ordinal))
            .Select(line => line["ETCD_INITIAL_CLUSTER=".Length..].Trim('"'))
            .FirstOrDefault()
            ?? throw new InvalidOperationException($"etcdctl member add printed no ETCD_INITIAL_CLUSTER line.{Environment.NewLine}{added}");

        _members.Add(member);
        member.Start(initialCluster, "existing", _clusterToken);
        await WaitHealthyAsync(_members.Count - 1, StartupTimeout);
        return member;
    }

    public ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            member.Dispose();
        }

        _http.Dispose();

        try
        {
            Directory.Delete(_rootDir, recursive: true);
        }
        catch (IOException)
        {
            // Leftover temp files are harmless and must not hide the test's own outcome.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private EtcdMember CreateMember()
    {
        var name = $"infra{_members.Count}";
        var ports = FreePorts.Next(2);
        return new EtcdMember(
            name, clientPort: ports[0], peerPort: ports[1], Path.Combine(_rootDir, name), _options.ClientCertificateFor(_members.Count),
            _options.ClientCertificateAuthority?.Root.CertificatePath)
        {
            ExtraArguments = _options.ExtraArguments,
        };
    }

    private async Task<CommandResult> RunMemberAddAsync(EtcdMember member)
    {
        // etcd refuses to add a voting member ("unhealthy cluster") until enough members have been
        // connected to the leader for 5 seconds, which is never the case right after the cluster booted.
        var deadline = DateTime.UtcNow + StartupTimeout;
        while (true)
        {
            var result = await RunEtcdctlAsync("member", "add", member.Name, $"--peer-urls={member.PeerUrl}");
            if (result.Succeeded)
            {
                return result;
            }

            if (!result.StdErr.Contains("unhealthy cluster", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"etcdctl member add {member.Name} failed.{Environment.NewLine}{result}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    // etcdctl takes one --cacert, so with TLS members it talks to those sharing the first one's CA, and to plain ones.
    private Task<CommandResult> RunEtcdctlAsync(params string[] args)
    {
        var authority = _members.Select(m => m.ClientCertificate?.Authority).FirstOrDefault(a => a is not null);
        if (authority is null)
        {
            return Etcdctl.RunAsync(ClientEndpoints, args);
        }

        var endpoints = _members.Where(m => m.ClientCertificate is null || m.ClientCertificate.Authority == authority).Select(m => m.ClientEndpoint);
        string[] identity = _fixtureCertificate is null ? [] : [$"--cert={_fixtureCertificate.CertificatePath}", $"--key={_fixtureCertificate.KeyPath}"];
        return Etcdctl.RunTlsAsync(string.Join(',', endpoints), authority.CertificatePath, [.. identity, .. args]);
    }

    // The chain must lead to the CA that issued this member's certificate; the name is not checked, because some tests
    // deliberately give a member a certificate for the wrong name and still need the fixture to see it healthy.
    private bool IsMemberCertificate(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var member = _members.FirstOrDefault(m => m.ClientPort == request.RequestUri?.Port);
        return certificate is not null && member?.ClientCertificate is { } served && served.Authority.Trusts(certificate);
    }

    private async Task WaitHealthyAsync(IReadOnlyList<EtcdMember> members, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pending = members.ToList();
        while (true)
        {
            var exited = pending.FirstOrDefault(m => !m.IsRunning);
            if (exited is not null)
            {
                throw new InvalidOperationException($"{exited.Name} exited before becoming healthy.{Environment.NewLine}{DescribeMembers([exited])}");
            }

            var healthy = await Task.WhenAll(pending.Select(m => IsHealthyAsync(m, ct)));
            pending = pending.Where((_, i) => !healthy[i]).ToList();
            if (pending.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not healthy after {timeout.TotalSeconds} s: {string.Join(", ", pending.Select(m => m.Name))}.{Environment.NewLine}{DescribeMembers(members)}");
            }

            await Task.Delay(PollInterval, ct);
        }
    }

    private async Task<bool> IsHealthyAsync(EtcdMember member, CancellationToken ct)
    {
        try
        {
            // /health answers 503 with {"health":"false"} while the member has no leader, so only the body decides.
            using var response = await _http.GetAsync(new Uri($"{member.ClientUrl}/health"), ct);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return body.RootElement.TryGetProperty("health", out var health) && health.GetString() == "true";
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }

    private async Task<(bool IsLeader, ulong Term)?> TryGetStatusAsync(EtcdMember member)
    {
        try
        {
            using var request = new StringContent("{}");
            using var response = await _http.PostAsync(new Uri($"{member.ClientUrl}/v3/maintenance/status"), request);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = body.RootElement;

            // etcd's JSON API encodes uint64 as decimal strings and omits "leader" while there is none.
            var memberId = root.GetProperty("header").GetProperty("member_id").GetString();
            var leader = root.TryGetProperty("leader", out var leaderElement) ? leaderElement.GetString() : null;
            var term = root.TryGetProperty("raftTerm", out var termElement) ? ulong.Parse(termElement.GetString()!, CultureInfo.InvariantCulture) : 0;
            return (leader is not null && leader == memberId, term);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or TaskCanceledException)
        {
            return null;
        }
    }

    private static string DescribeMembers(IEnumerable<EtcdMember> members) =>
        string.Join(Environment.NewLine, members.Select(m => $"--- {m} ---{Environment.NewLine}{m.RecentLog}"));
}
