using System.Globalization;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Cluster;

/// <summary>
/// One chaos run: a fresh 3-member cluster, the gateway in front of it and the <see cref="ChaosWorkload"/> through
/// the gateway. It keeps a timeline of the faults, samples the gateway's memory and file descriptors, and at the
/// end checks every acknowledged write on every member and writes a report.
/// </summary>
public sealed class ChaosRun : IAsyncDisposable
{
    private static readonly HttpClient Direct = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly ITestOutputHelper _output;
    private readonly List<(TimeSpan At, string What)> _timeline = [];
    private readonly Dictionary<string, int> _memberIndexById = [];
    private readonly Uri _statusUri;
    private DateTime _loadStartedAt;

    private ChaosRun(string scenario, ITestOutputHelper output, EtcdCluster cluster, GatewayProcess gateway, Uri statusUri)
    {
        Scenario = scenario;
        _output = output;
        Cluster = cluster;
        Gateway = gateway;
        _statusUri = statusUri;
    }

    public string Scenario { get; }

    public EtcdCluster Cluster { get; }

    public GatewayProcess Gateway { get; }

    public ChaosWorkload Workload { get; private set; } = null!;

    public GatewaySample Idle { get; private set; }

    public GatewaySample Loaded { get; private set; }

    /// <summary>Boots the cluster and gateway (with <paramref name="gatewayArgs"/>), samples the idle gateway, starts the load.</summary>
    public static async Task<ChaosRun> StartAsync(string scenario, ITestOutputHelper output, params string[] gatewayArgs)
    {
        var cluster = await EtcdCluster.StartAsync(3);
        GatewayProcess? gateway = null;
        try
        {
            // The admin listener tells when every endpoint is back in rotation and how many connections the gateway holds.
            var admin = $"http://127.0.0.1:{FreePorts.Next()}";
            gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}", .. gatewayArgs]);
            var run = new ChaosRun(scenario, output, cluster, gateway, new Uri($"{admin}/status"));
            try
            {
                await run.InitialiseAsync();
                return run;
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }
        catch
        {
            if (gateway is not null)
            {
                await gateway.DisposeAsync();
            }

            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes a line to the test output and, when CHAOS_REPORT names a file, appends it there at once.</summary>
    public static void Report(ITestOutputHelper output, string text)
    {
        output.WriteLine(text);
        var file = Environment.GetEnvironmentVariable("CHAOS_REPORT");
        if (!string.IsNullOrEmpty(file))
        {
            File.AppendAllText(file, text + Environment.NewLine);
        }
    }

    /// <summary>Notes an event on the run's timeline (seconds since the load started).</summary>
    public TimeSpan Mark(string what)
    {
        var at = Workload?.Now ?? TimeSpan.Zero;
        _timeline.Add((at, what));
        return at;
    }

    public string MemberName(int index) => $"{Cluster.Members[index].Name} (#{index})";

    /// <summary>The member the HTTP writer's keep-alive connection is on, from the member ID of its latest acknowledgement.</summary>
    public int? MemberOf(ChaosWriter writer) =>
        writer.LastMemberId is { } id && _memberIndexById.TryGetValue(id, out var index) ? index : null;

    /// <summary>Names the HTTP writers whose connection is on member <paramref name="index"/>.</summary>
    public string WritersOn(int index)
    {
        var names = Workload.Writers.Where(w => w is HttpChaosWriter && w.ThroughGateway && MemberOf(w) == index).Select(w => w.Name).ToList();
        return names.Count == 0 ? "no HTTP writer" : $"HTTP writer(s) on it: {string.Join(", ", names)}";
    }

    /// <summary>When true, each fault first starts a control writer straight to a member the fault spares.</summary>
    public bool ControlWriter { get; set; } = true;

    /// <summary>
    /// Called by a fault once it has chosen its victims: starts the control writer (once) on the first member the
    /// fault spares, so the report shows what etcd itself makes a client wait, without the gateway.
    /// </summary>
    public async Task BeforeFaultAsync(params int[] victims)
    {
        if (!ControlWriter || Workload.Writers.Any(w => !w.ThroughGateway))
        {
            return;
        }

        var spared = Enumerable.Range(0, Cluster.Members.Count).First(i => !victims.Contains(i));
        await Workload.AddDirectWriterAsync("direct", Cluster.Members[spared].ClientAddress);
        Mark($"control writer \"direct\" writes straight to {MemberName(spared)}, not through the gateway");
        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    /// <summary>A follower that an HTTP writer's keep-alive connection is pinned to.</summary>
    public async Task<int> PinnedFollowerAsync()
    {
        var leader = await Cluster.LeaderIndexAsync();
        var pinned = Workload.Writers.OfType<HttpChaosWriter>().Where(w => w.ThroughGateway).Select(MemberOf).OfType<int>().Where(i => i != leader).ToList();
        return pinned.Count > 0 ? pinned[0] : (leader + 1) % Cluster.Members.Count;
    }

    /// <summary>
    /// After the last fault: waits until every member is healthy and every writer has had writes acknowledged again,
    /// stops the load, samples the gateway, checks every acknowledged write on every member, reports and returns.
    /// </summary>
    public async Task<ChaosResult> FinishAsync(TimeSpan faultsOver)
    {
        var problems = new List<string>();
        for (var i = 0; i < Cluster.Members.Count; i++)
        {
            try
            {
                await Cluster.WaitHealthyAsync(i, TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException e)
            {
                problems.Add($"{MemberName(i)} not healthy 30 s after the faults: {e.Message}");
            }
        }

        var recovered = await Workload.WaitAllAckedSinceAsync(faultsOver, 10, TimeSpan.FromSeconds(30));
        if (!recovered)
        {
            problems.Add("not every writer had 10 writes acknowledged within 30 s after the faults");
        }

        var rotation = await WaitAllEndpointsUpAsync(TimeSpan.FromSeconds(15));
        if (rotation is null)
        {
            problems.Add($"not every endpoint back in rotation 15 s after the members were healthy: {await StatusSummaryAsync()}");
        }
        else
        {
            Mark("every endpoint in rotation again (gateway /status)");
        }

        Mark("load stopped");
        var writers = await Workload.StopAsync();
        var after = await GatewaySample.SettledAsync(Gateway.Pid, Idle.Sockets);
        Mark($"gateway after the load: {await StatusSummaryAsync()}; descriptors: {GatewaySample.Breakdown(Gateway.Pid)}");
        var check = await VerifyAsync(writers);
        var (alive, aliveDetail) = await GatewayServesAsync();
        var timeline = _timeline.Concat(GatewayEvents()).OrderBy(e => e.At).ToList();
        var result = new ChaosResult(
            Scenario, writers, check, Idle, Loaded, after, alive, aliveDetail, timeline, GatewayLogSummary(), problems);
        Report(_output, result.Format());
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (Workload is not null)
        {
            await Workload.DisposeAsync();
        }

        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>
    /// Reads every key under <c>chaos/</c> from each member (linearizable, so each member has applied everything
    /// committed) and compares with what the writers were told.
    /// </summary>
    public async Task<WriteCheck> VerifyAsync(IReadOnlyList<WriterFigures> writers)
    {
        var perMember = new List<Dictionary<string, (string Value, long ModRevision)>>();
        foreach (var member in Cluster.Members)
        {
            perMember.Add(await ReadPrefixAsync(member));
        }

        var store = perMember[0];
        var lost = new List<string>();
        var altered = new List<string>();
        foreach (var write in writers.SelectMany(w => w.AckedWrites))
        {
            if (!store.TryGetValue(write.Key, out var stored) || stored.Value != write.Value)
            {
                lost.Add(stored.Value is null ? $"{write.Key} (rev {write.Revision}) missing" : $"{write.Key} (rev {write.Revision}) has value {stored.Value}");
            }
            else if (stored.ModRevision != write.Revision)
            {
                altered.Add($"{write.Key}: acknowledged at revision {write.Revision}, stored at {stored.ModRevision}");
            }
        }

        var unacked = writers.SelectMany(w => w.UnackedKeys).ToHashSet();
        var acked = writers.SelectMany(w => w.AckedWrites).Select(w => w.Key).ToHashSet();
        var damaged = store.Where(kv => !ChaosValue.IsIntact(kv.Key, kv.Value.Value)).Select(kv => kv.Key).ToList();
        var unknown = store.Keys.Where(k => !acked.Contains(k) && !unacked.Contains(k)).ToList();
        var appliedDespiteError = store.Keys.Count(unacked.Contains);
        var disagreeing = perMember.Skip(1)
            .Select((m, i) => (Index: i + 1, Same: m.Count == store.Count && m.All(kv => store.TryGetValue(kv.Key, out var s) && s == kv.Value)))
            .Where(x => !x.Same)
            .Select(x => $"{MemberName(x.Index)} holds {perMember[x.Index].Count} keys, {MemberName(0)} {store.Count}")
            .ToList();
        return new WriteCheck(acked.Count, store.Count, lost, altered, damaged, unknown, appliedDespiteError, unacked.Count, disagreeing);
    }

    /// <summary>
    /// Checks, on one member, the writes acknowledged after the first <paramref name="ackedBefore"/> of each writer:
    /// a cheap check between faults (the full check on every member runs at the end). Returns the lost ones.
    /// </summary>
    public async Task<(int Checked, IReadOnlyList<string> Lost)> VerifyRecentAsync(
        IReadOnlyList<WriterFigures> writers, IReadOnlyDictionary<string, int> ackedBefore, int memberIndex)
    {
        var lost = new List<string>();
        var count = 0;
        foreach (var writer in writers)
        {
            var recent = writer.AckedWrites.Skip(ackedBefore.GetValueOrDefault(writer.Name)).ToList();
            if (recent.Count == 0)
            {
                continue;
            }

            var keys = recent.Select(w => w.Key).Order(StringComparer.Ordinal).ToList();
            var (first, last) = (keys[0], keys[^1]);
            var stored = await ReadRangeAsync(Cluster.Members[memberIndex], first, last + "\0");
            foreach (var write in recent)
            {
                count++;
                if (!stored.TryGetValue(write.Key, out var s) || s.Value != write.Value || s.ModRevision != write.Revision)
                {
                    lost.Add($"{write.Key} (rev {write.Revision}) {(s.Value is null ? "missing" : $"stored as {s.Value} at {s.ModRevision}")}");
                }
            }
        }

        return (count, lost);
    }

    private async Task InitialiseAsync()
    {
        foreach (var (member, index) in Cluster.Members.Select((m, i) => (m, i)))
        {
            _memberIndexById[await MemberIdAsync(member)] = index;
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Idle = await GatewaySample.SettledAsync(Gateway.Pid, int.MaxValue);
        Mark($"gateway descriptors idle: {GatewaySample.Breakdown(Gateway.Pid)}");
        Workload = await ChaosWorkload.StartAsync(Gateway.ListenAddress);
        _loadStartedAt = DateTime.UtcNow - Workload.Now;
        Mark($"load started: {string.Join(", ", Workload.Writers.Where(w => w is HttpChaosWriter).Select(w => $"{w.Name} on {(MemberOf(w) is { } m ? MemberName(m) : "?")}"))}, etcdctl a connection per put");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Loaded = GatewaySample.Read(Gateway.Pid);
    }

    /// <summary>Waits until the gateway's /status shows every endpoint up; returns when, or null on timeout.</summary>
    public async Task<TimeSpan?> WaitAllEndpointsUpAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var status = await TryStatusAsync();
            if (status is { } root && root.GetProperty("endpoints").EnumerateArray().All(e => e.GetProperty("state").GetString() == "up"))
            {
                return Workload.Now;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>The gateway's own view: open connections and each endpoint's state.</summary>
    public async Task<string> StatusSummaryAsync()
    {
        if (await TryStatusAsync() is not { } root)
        {
            return "/status did not answer";
        }

        var endpoints = root.GetProperty("endpoints").EnumerateArray()
            .Select(e => $"{e.GetProperty("address").GetString()} {e.GetProperty("state").GetString()}/{e.GetProperty("health").GetString()} {e.GetProperty("activeConnections").GetInt64()} open");
        return $"{root.GetProperty("activeConnections").GetInt64()} open connections, {root.GetProperty("totalConnections").GetInt64()} in total; {string.Join(", ", endpoints)}";
    }

    private async Task<JsonElement?> TryStatusAsync()
    {
        try
        {
            // Connection: close, so the admin connection is not counted among the gateway's sockets afterwards.
            using var request = new HttpRequestMessage(HttpMethod.Get, _statusUri);
            request.Headers.ConnectionClose = true;
            using var response = await Direct.SendAsync(request);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>A put and a linearizable get through the gateway on fresh connections.</summary>
    private async Task<(bool Alive, string Detail)> GatewayServesAsync()
    {
        if (Gateway.HasExited)
        {
            return (false, "the gateway process exited");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            var put = await Etcdctl.RunAsync(Gateway.ListenAddress, "put", "chaos-check/alive", "yes");
            var get = put.Succeeded ? await Etcdctl.RunAsync(Gateway.ListenAddress, "get", "chaos-check/alive", "--print-value-only") : put;
            if (get.Succeeded && get.StdOut.Trim() == "yes")
            {
                return (true, "put + get through the gateway succeed");
            }

            last = get.ToString();
            await Task.Delay(500);
        }

        return (false, $"put + get through the gateway kept failing: {last}");
    }

    /// <summary>The gateway's rotation changes from its log, on the run's clock.</summary>
    private IEnumerable<(TimeSpan At, string What)> GatewayEvents()
    {
        string[] messages =
        [
            "deactivated endpoint", "activated", "closing connections to an ejected endpoint",
            "no healthy endpoint; routing to endpoints that still answer (panic mode)", "healthy endpoints are back; leaving panic mode",
            "no endpoint available; closing client connection",
        ];
        foreach (var message in messages)
        {
            foreach (var entry in Gateway.LogEntries(message))
            {
                if (!entry.TryGetProperty("ts", out var ts)
                    || !DateTime.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
                {
                    continue;
                }

                var detail = new StringBuilder($"gateway: {message}");
                if (entry.TryGetProperty("address", out var address))
                {
                    detail.Append(CultureInfo.InvariantCulture, $" {address.GetString()} ({MemberNameOf(address.GetString())})");
                }

                if (entry.TryGetProperty("connections", out var connections))
                {
                    detail.Append(CultureInfo.InvariantCulture, $", {connections} connection(s)");
                }

                if (entry.TryGetProperty("endpoints", out var endpoints))
                {
                    detail.Append(CultureInfo.InvariantCulture, $" {endpoints}");
                }

                yield return (at - _loadStartedAt, detail.ToString());
            }
        }
    }

    private string MemberNameOf(string? address)
    {
        var index = Cluster.Members.ToList().FindIndex(m => m.ClientAddress == address);
        return index < 0 ? "?" : MemberName(index);
    }

    private Dictionary<string, int> GatewayLogSummary()
    {
        var ejected = Gateway.LogEntries("closing connections to an ejected endpoint");
        return new Dictionary<string, int>
        {
            ["deactivated"] = Gateway.LogEntries("deactivated endpoint").Count,
            ["activated"] = Gateway.LogEntries("activated").Count,
            ["ejections"] = ejected.Count,
            ["ejected connections"] = ejected.Sum(e => e.TryGetProperty("connections", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : 0),
            ["panic"] = Gateway.LogEntries("no healthy endpoint; routing to endpoints that still answer (panic mode)").Count,
            ["no endpoint"] = Gateway.LogEntries("no endpoint available; closing client connection").Sum(e => 1 + (e.TryGetProperty("suppressed", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : 0)),
            ["error lines"] = Gateway.StderrLines.Count(l => l.Contains("\"level\":\"error\"", StringComparison.Ordinal)),
        };
    }

    private static async Task<string> MemberIdAsync(EtcdMember member)
    {
        using var content = new StringContent("{}");
        using var response = await Direct.PostAsync(new Uri($"{member.ClientUrl}/v3/maintenance/status"), content);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("header").GetProperty("member_id").GetString()!;
    }

    /// <summary>Every key under <c>chaos/</c> on one member, a page at a time, with its value and mod revision.</summary>
    private static Task<Dictionary<string, (string Value, long ModRevision)>> ReadPrefixAsync(EtcdMember member) =>
        ReadRangeAsync(member, ChaosWorkload.Prefix, "chaos0");

    /// <summary>The keys in [<paramref name="from"/>, <paramref name="to"/>) on one member (linearizable), a page at a time.</summary>
    private static async Task<Dictionary<string, (string Value, long ModRevision)>> ReadRangeAsync(EtcdMember member, string from, string to)
    {
        var result = new Dictionary<string, (string, long)>();
        var start = from;
        var end = Convert.ToBase64String(Encoding.UTF8.GetBytes(to));
        while (true)
        {
            var request = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(start)),
                ["range_end"] = end,
                ["limit"] = 2000,
            });
            using var body = await PostWithRetriesAsync(member, "/v3/kv/range", request);
            var root = body.RootElement;
            string? lastKey = null;
            if (root.TryGetProperty("kvs", out var kvs))
            {
                foreach (var kv in kvs.EnumerateArray())
                {
                    lastKey = Encoding.UTF8.GetString(Convert.FromBase64String(kv.GetProperty("key").GetString()!));
                    var value = kv.TryGetProperty("value", out var v) ? Encoding.UTF8.GetString(Convert.FromBase64String(v.GetString()!)) : "";
                    result[lastKey] = (value, long.Parse(kv.GetProperty("mod_revision").GetString()!, CultureInfo.InvariantCulture));
                }
            }

            if (lastKey is null || !(root.TryGetProperty("more", out var more) && more.GetBoolean()))
            {
                return result;
            }

            start = lastKey + "\0";
        }
    }

    private static async Task<JsonDocument> PostWithRetriesAsync(EtcdMember member, string path, string json)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await Direct.PostAsync(new Uri($"{member.ClientUrl}{path}"), content);
                var text = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    return JsonDocument.Parse(text);
                }

                if (attempt >= 10)
                {
                    throw new InvalidOperationException($"{path} on {member}: HTTP {(int)response.StatusCode} {text}");
                }
            }
            catch (Exception e) when (attempt < 10 && e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(500);
        }
    }
}

/// <summary>The gateway's resident memory and open file descriptors at one moment.</summary>
public readonly record struct GatewaySample(long RssKb, int Fds, int Sockets)
{
    public override string ToString() => $"RSS {RssKb / 1024.0:0.0} MiB, {Fds} fds ({Sockets} sockets)";

    public static GatewaySample Read(int pid)
    {
        var rss = File.ReadAllLines($"/proc/{pid}/status")
            .Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var targets = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Select(LinkTarget).ToList();
        return new GatewaySample(rss, targets.Count, targets.Count(t => t.StartsWith("socket:", StringComparison.Ordinal)));
    }

    /// <summary>
    /// What the process's descriptors are: sockets by TCP state (with the remote port for the busiest) and other
    /// kinds by target, for a report when the count did not come back down.
    /// </summary>
    public static string Breakdown(int pid)
    {
        var states = new Dictionary<string, string>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            foreach (var line in File.ReadAllLines($"/proc/{pid}/net/{table}").Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9)
                {
                    states[f[9]] = $"{TcpState(f[3])} {f[1][(f[1].LastIndexOf(':') + 1)..]}->{f[2][(f[2].LastIndexOf(':') + 1)..]}";
                }
            }
        }

        var kinds = new Dictionary<string, int>();
        var sockets = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(fd).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                continue;
            }

            if (target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                var inode = target["socket:[".Length..^1];
                var state = states.TryGetValue(inode, out var st) ? st : "non-TCP socket";
                sockets.Add(state);
                var kind = $"socket {state.Split(' ')[0]}";
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            }
            else
            {
                var kind = target.StartsWith('/') && !target.StartsWith("/dev/", StringComparison.Ordinal) ? "file" : target.Split(':')[0];
                kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
            }
        }

        var detail = sockets.Where(x => !x.StartsWith("non-TCP", StringComparison.Ordinal) && !x.StartsWith("LISTEN", StringComparison.Ordinal)).Take(12);
        return $"{string.Join(", ", kinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}"))}; TCP (hex ports): {string.Join(", ", detail)}";
    }

    private static string LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget ?? "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static string TcpState(string hex) => hex switch
    {
        "01" => "ESTABLISHED",
        "02" => "SYN_SENT",
        "04" => "FIN_WAIT1",
        "05" => "FIN_WAIT2",
        "06" => "TIME_WAIT",
        "07" => "CLOSE",
        "08" => "CLOSE_WAIT",
        "09" => "LAST_ACK",
        "0A" => "LISTEN",
        "0B" => "CLOSING",
        _ => hex,
    };

    /// <summary>
    /// The lowest counts over a few samples (a health probe holds a socket for a moment), waiting up to 10 s for the
    /// sockets to come down to <paramref name="targetSockets"/> as closed connections are cleaned up.
    /// </summary>
    public static async Task<GatewaySample> SettledAsync(int pid, int targetSockets)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var samples = new List<GatewaySample>();
            for (var i = 0; i < 5; i++)
            {
                samples.Add(Read(pid));
                await Task.Delay(100);
            }

            var best = new GatewaySample(samples[^1].RssKb, samples.Min(s => s.Fds), samples.Min(s => s.Sockets));
            if (best.Sockets <= targetSockets || DateTime.UtcNow > deadline)
            {
                return best;
            }
        }
    }
}

/// <summary>What the read-back found.</summary>
public sealed record WriteCheck(
    int Acknowledged,
    int Stored,
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> Altered,
    IReadOnlyList<string> Damaged,
    IReadOnlyList<string> Unknown,
    int AppliedDespiteError,
    int Unacknowledged,
    IReadOnlyList<string> MembersDisagreeing);

/// <summary>Everything one run measured, with the report text and the checks every scenario shares.</summary>
public sealed record ChaosResult(
    string Scenario,
    IReadOnlyList<WriterFigures> Writers,
    WriteCheck Check,
    GatewaySample Idle,
    GatewaySample Loaded,
    GatewaySample After,
    bool GatewayAlive,
    string GatewayDetail,
    IReadOnlyList<(TimeSpan At, string What)> Timeline,
    IReadOnlyDictionary<string, int> GatewayLog,
    IReadOnlyList<string> Problems)
{
    /// <summary>The longest stall of any writer going through the gateway.</summary>
    public TimeSpan WorstStall => Writers.Where(w => w.ThroughGateway).Max(w => w.WorstStall);

    public string Format()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"== {Scenario}");
        foreach (var (at, what) in Timeline)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  +{at.TotalSeconds,6:0.00} s  {what}");
        }

        s.AppendLine("  writer   acked failed conns  worst-stall (from)   failing  slowest-ack  errors");
        foreach (var w in Writers)
        {
            var errors = string.Join("; ", w.Errors.OrderByDescending(e => e.Value).Take(3).Select(e => $"{e.Value}x {e.Key}"));
            s.AppendLine(CultureInfo.InvariantCulture,
                $"  {w.Name,-8} {w.Acked,5} {w.Failed,6} {w.ConnectionsOpened,5}  {w.WorstStall.TotalSeconds,6:0.00} s (+{w.WorstStallStart.TotalSeconds,5:0.00})  {w.LongestFailingSpell.TotalSeconds,6:0.00} s  {w.SlowestAck.TotalSeconds,6:0.00} s  {errors}");
        }

        var c = Check;
        s.AppendLine(CultureInfo.InvariantCulture,
            $"  writes: {c.Acknowledged} acknowledged, lost {c.Lost.Count}, altered {c.Altered.Count}, damaged {c.Damaged.Count}, unknown {c.Unknown.Count}; "
            + $"{c.Unacknowledged} got an error or were cut off, {c.AppliedDespiteError} of them applied anyway; "
            + $"{c.Stored} keys, {(c.MembersDisagreeing.Count == 0 ? "identical on all 3 members" : string.Join("; ", c.MembersDisagreeing))}");
        s.AppendLine(CultureInfo.InvariantCulture, $"  gateway: {(GatewayAlive ? "alive" : "NOT SERVING")} ({GatewayDetail}); idle {Idle}; under load {Loaded}; after {After}");
        s.AppendLine(CultureInfo.InvariantCulture, $"  gateway log: {string.Join(", ", GatewayLog.Select(kv => $"{kv.Key} {kv.Value}"))}");
        foreach (var p in Problems)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  PROBLEM: {p}");
        }

        foreach (var detail in c.Lost.Concat(c.Altered).Concat(c.Damaged).Concat(c.Unknown).Take(20))
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  BAD WRITE: {detail}");
        }

        return s.ToString();
    }

    /// <summary>The checks every scenario shares: nothing acknowledged is lost, the gateway serves, resources came back.</summary>
    public void AssertSound(string gatewayLog)
    {
        var report = Format();
        Assert.True(Problems.Count == 0, $"{string.Join('\n', Problems)}\n{report}\n--- gateway log ---\n{gatewayLog}");
        Assert.True(Check.Lost.Count == 0 && Check.Altered.Count == 0 && Check.Damaged.Count == 0 && Check.Unknown.Count == 0, report);
        Assert.True(Check.MembersDisagreeing.Count == 0, report);
        Assert.True(Writers.All(w => w.Acked > 0), report);
        Assert.True(GatewayAlive, $"{report}\n--- gateway log ---\n{gatewayLog}");

        // Generous bounds: as many sockets as when idle, plus a few (a probe may be open); other descriptors may grow
        // by what the runtime opens once (assemblies it loads on first use when run from the build output); memory
        // well within twice the loaded figure.
        Assert.True(After.Sockets <= Idle.Sockets + 3, $"gateway sockets {After.Sockets} after the run, {Idle.Sockets} idle before it\n{report}");
        Assert.True(After.Fds <= Idle.Fds + 40, $"gateway fds {After.Fds} after the run, {Idle.Fds} idle before it\n{report}");
        Assert.True(After.RssKb <= Math.Max(2 * Loaded.RssKb, Loaded.RssKb + (64 * 1024)), $"gateway RSS grew from {Loaded} to {After}\n{report}");
    }
}
