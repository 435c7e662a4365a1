using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Chaos.Cluster;

/// <summary>
/// Steady write load through the gateway: HTTP/JSON writers that each keep one keep-alive connection for as long as
/// it lives, and an etcdctl (gRPC) writer that opens a new connection per put. Every writer writes its own keys
/// <c>chaos/&lt;writer&gt;/&lt;seq&gt;</c>, each key at most once, and records every acknowledged write with its revision.
/// </summary>
public sealed class ChaosWorkload : IAsyncDisposable
{
    public const string Prefix = "chaos/";

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<ChaosWriter> _writers = [];
    private readonly List<Task> _running = [];
    private bool _stopped;

    private ChaosWorkload()
    {
    }

    public IReadOnlyList<ChaosWriter> Writers => _writers;

    /// <summary>Time since the workload started, the clock every writer figure is measured on.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>
    /// Starts <paramref name="httpWriters"/> HTTP writers one after another (each after the previous one's first
    /// acknowledged write, so round-robin gives each its own member), then the etcdctl writer.
    /// </summary>
    public static async Task<ChaosWorkload> StartAsync(string gatewayAddress, int httpWriters = 3, bool etcdctlWriter = true, TimeSpan? pace = null)
    {
        // Reading etcdctl's pipes blocks pool threads; with the pool at its minimum (one per core) the writers' own
        // continuations would wait for the pool to grow, and that wait would be measured as a stall.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
        var workload = new ChaosWorkload();
        try
        {
            for (var i = 0; i < httpWriters; i++)
            {
                var writer = new HttpChaosWriter($"http{i}", workload._clock, gatewayAddress, pace ?? TimeSpan.FromMilliseconds(20));
                workload.Run(writer);
                await writer.WaitFirstAckAsync(TimeSpan.FromSeconds(15));
            }

            if (etcdctlWriter)
            {
                var writer = new EtcdctlChaosWriter("etcdctl", workload._clock, gatewayAddress);
                workload.Run(writer);
                await writer.WaitFirstAckAsync(TimeSpan.FromSeconds(15));
            }

            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every writer has had <paramref name="count"/> writes acknowledged after <paramref name="since"/>.</summary>
    public async Task<bool> WaitAllAckedSinceAsync(TimeSpan since, int count, TimeSpan timeout)
    {
        var deadline = Now + timeout;
        while (Now < deadline)
        {
            if (_writers.All(w => w.AckedSince(since) >= count))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>
    /// Adds an HTTP writer that goes straight to <paramref name="memberAddress"/>, not through the gateway: a control
    /// that shows what etcd itself makes a client wait during a fault.
    /// </summary>
    public async Task<ChaosWriter> AddDirectWriterAsync(string name, string memberAddress)
    {
        var writer = new HttpChaosWriter(name, _clock, memberAddress, TimeSpan.FromMilliseconds(20), throughGateway: false);
        Run(writer);
        await writer.WaitFirstAckAsync(TimeSpan.FromSeconds(15));
        return writer;
    }

    /// <summary>
    /// Stops every writer (a request in flight is abandoned: its outcome is unknown), closes their connections and
    /// returns their figures.
    /// </summary>
    public async Task<IReadOnlyList<WriterFigures>> StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _stop.CancelAsync();
            await Task.WhenAll(_running);
            foreach (var writer in _writers)
            {
                writer.Dispose();
            }
        }

        var now = Now;
        return [.. _writers.Select(w => w.Figures(now))];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private void Run(ChaosWriter writer)
    {
        _writers.Add(writer);
        _running.Add(Task.Run(() => writer.RunAsync(_stop.Token)));
    }
}

/// <summary>A write the cluster acknowledged: the key, the exact value and the revision etcd reported for it.</summary>
public sealed record AckedWrite(string Key, string Value, long Revision);

/// <summary>What one writer saw: counts, its longest stall and the errors it got.</summary>
public sealed record WriterFigures(
    string Name,
    string Kind,
    bool ThroughGateway,
    int Acked,
    int Failed,
    int Abandoned,
    int ConnectionsOpened,
    TimeSpan WorstStall,
    TimeSpan WorstStallStart,
    TimeSpan LongestFailingSpell,
    TimeSpan SlowestAck,
    string? LastMemberId,
    IReadOnlyList<AckedWrite> AckedWrites,
    IReadOnlySet<string> UnackedKeys,
    IReadOnlyDictionary<string, int> Errors);

/// <summary>The bookkeeping every writer shares: acknowledged and failed writes, stalls and failing spells.</summary>
public abstract class ChaosWriter : IDisposable
{
    private readonly Stopwatch _clock;
    private readonly Lock _gate = new();
    private readonly List<AckedWrite> _acked = [];
    private readonly List<TimeSpan> _ackTimes = [];
    private readonly HashSet<string> _unacked = [];
    private readonly Dictionary<string, int> _errors = [];
    private readonly TaskCompletionSource _firstAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TimeSpan _lastAck;
    private TimeSpan _worstStall;
    private TimeSpan _worstStallStart;
    private TimeSpan? _failingSince;
    private TimeSpan _longestFailingSpell;
    private TimeSpan _slowestAck;
    private int _failed;
    private int _abandoned;
    private string? _lastMemberId;

    protected ChaosWriter(string name, Stopwatch clock)
    {
        Name = name;
        _clock = clock;
    }

    public string Name { get; }

    public abstract string Kind { get; }

    /// <summary>False for a control writer that talks to a member directly.</summary>
    public virtual bool ThroughGateway => true;

    /// <summary>The member (etcd's decimal member ID) that acknowledged the latest write.</summary>
    public string? LastMemberId
    {
        get
        {
            lock (_gate)
            {
                return _lastMemberId;
            }
        }
    }

    protected TimeSpan Now => _clock.Elapsed;

    protected virtual int ConnectionsOpened => 0;

    public abstract Task RunAsync(CancellationToken cancellation);

    public async Task WaitFirstAckAsync(TimeSpan timeout)
    {
        try
        {
            await _firstAck.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name}: no write acknowledged within {timeout}; errors: {string.Join("; ", Figures(Now).Errors.Select(e => $"{e.Value}x {e.Key}"))}");
        }
    }

    public int AckedSince(TimeSpan since)
    {
        lock (_gate)
        {
            var count = 0;
            for (var i = _ackTimes.Count - 1; i >= 0 && _ackTimes[i] > since; i--)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>
    /// The longest time without an acknowledgement that overlaps [<paramref name="from"/>, <paramref name="to"/>]
    /// (a wait still open at <paramref name="to"/> counts up to then), and when it began.
    /// </summary>
    public (TimeSpan Stall, TimeSpan Start) WorstStallBetween(TimeSpan from, TimeSpan to)
    {
        lock (_gate)
        {
            var worst = (TimeSpan.Zero, from);
            for (var i = 0; i < _ackTimes.Count; i++)
            {
                var start = _ackTimes[i];
                var end = i + 1 < _ackTimes.Count ? _ackTimes[i + 1] : to;
                if (end >= from && start <= to && end - start > worst.Item1)
                {
                    worst = (end - start, start);
                }
            }

            return worst;
        }
    }

    /// <summary>The figures so far; a writer still waiting for its next acknowledgement counts that wait as a stall.</summary>
    public WriterFigures Figures(TimeSpan now)
    {
        lock (_gate)
        {
            var (worst, worstStart) = (_worstStall, _worstStallStart);
            if (_acked.Count > 0 && now - _lastAck > worst)
            {
                (worst, worstStart) = (now - _lastAck, _lastAck);
            }

            var spell = _failingSince is { } since && now - since > _longestFailingSpell ? now - since : _longestFailingSpell;
            return new WriterFigures(
                Name, Kind, ThroughGateway, _acked.Count, _failed, _abandoned, ConnectionsOpened, worst, worstStart, spell, _slowestAck, _lastMemberId,
                [.. _acked], new HashSet<string>(_unacked), new Dictionary<string, int>(_errors));
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    protected void RecordAck(string key, string value, long revision, string? memberId, TimeSpan started)
    {
        var now = Now;
        lock (_gate)
        {
            if (_acked.Count > 0 && now - _lastAck > _worstStall)
            {
                (_worstStall, _worstStallStart) = (now - _lastAck, _lastAck);
            }

            if (_failingSince is { } since)
            {
                _longestFailingSpell = TimeSpan.FromTicks(Math.Max(_longestFailingSpell.Ticks, (now - since).Ticks));
                _failingSince = null;
            }

            _slowestAck = TimeSpan.FromTicks(Math.Max(_slowestAck.Ticks, (now - started).Ticks));
            _lastAck = now;
            _acked.Add(new AckedWrite(key, value, revision));
            _ackTimes.Add(now);
            _lastMemberId = memberId ?? _lastMemberId;
        }

        _firstAck.TrySetResult();
    }

    /// <summary>A write that got an error: it may or may not have been applied.</summary>
    protected void RecordFailure(string key, string error, TimeSpan started)
    {
        lock (_gate)
        {
            _failed++;
            _unacked.Add(key);
            _failingSince ??= started;
            _errors[error] = _errors.GetValueOrDefault(error) + 1;
        }
    }

    /// <summary>A write in flight when the workload stopped: its outcome is unknown.</summary>
    protected void RecordAbandoned(string key)
    {
        lock (_gate)
        {
            _abandoned++;
            _unacked.Add(key);
        }
    }

    protected string KeyFor(long seq) => $"{ChaosWorkload.Prefix}{Name}/{seq.ToString("D8", CultureInfo.InvariantCulture)}";

    protected string ValueFor(long seq) => ChaosValue.Create(Name, seq);
}

/// <summary>Values that carry their writer, sequence number and a checksum, so a damaged value is recognised.</summary>
public static class ChaosValue
{
    public static string Create(string writer, long seq)
    {
        var body = $"{writer}|{seq.ToString(CultureInfo.InvariantCulture)}|{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}";
        return $"{body}|{Checksum(body)}";
    }

    /// <summary>True when <paramref name="value"/> is intact and belongs to <paramref name="key"/>.</summary>
    public static bool IsIntact(string key, string value)
    {
        var cut = value.LastIndexOf('|');
        if (cut < 0 || Checksum(value[..cut]) != value[(cut + 1)..])
        {
            return false;
        }

        var parts = value.Split('|');
        return parts.Length == 4
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            && key == $"{ChaosWorkload.Prefix}{parts[0]}/{seq.ToString("D8", CultureInfo.InvariantCulture)}";
    }

    private static string Checksum(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16];
}

/// <summary>
/// Writes with etcd's HTTP/JSON API (POST /v3/kv/put) over one keep-alive connection through the gateway, as a
/// long-lived client would. After an error it waits 100 ms and writes the next key; the client opens a new
/// connection only when the old one broke.
/// </summary>
public sealed class HttpChaosWriter : ChaosWriter
{
    /// <summary>Longer than the gateway's hung-member detection plus its eject grace, so the gateway, not this client, ends a hung request.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly HttpClient _http;
    private readonly Uri _putUri;
    private readonly TimeSpan _pace;
    private int _connections;

    private readonly bool _throughGateway;

    public HttpChaosWriter(string name, Stopwatch clock, string address, TimeSpan pace, bool throughGateway = true)
        : base(name, clock)
    {
        _pace = pace;
        _throughGateway = throughGateway;
        _putUri = new Uri($"http://{address}/v3/kv/put");
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = 1,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    Interlocked.Increment(ref _connections);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public override string Kind => "HTTP/JSON keep-alive";

    public override bool ThroughGateway => _throughGateway;

    protected override int ConnectionsOpened => Volatile.Read(ref _connections);

    public override async Task RunAsync(CancellationToken cancellation)
    {
        for (long seq = 0; !cancellation.IsCancellationRequested; seq++)
        {
            var key = KeyFor(seq);
            var value = ValueFor(seq);
            var started = Now;
            var ok = false;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(RequestTimeout);
                var json = JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(key)),
                    ["value"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value)),
                });
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await _http.PostAsync(_putUri, content, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK && TryReadHeader(body, out var revision, out var member))
                {
                    RecordAck(key, value, revision, member, started);
                    ok = true;
                }
                else
                {
                    RecordFailure(key, $"HTTP {(int)response.StatusCode}: {ErrorMessage(body)}", started);
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                RecordAbandoned(key);
                return;
            }
            catch (OperationCanceledException)
            {
                RecordFailure(key, $"no answer within {RequestTimeout.TotalSeconds:0} s (client timeout)", started);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
            {
                RecordFailure(key, Describe(e), started);
            }

            try
            {
                var wait = ok ? _pace - (Now - started) : RetryDelay;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellation);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>etcd's JSON API writes uint64 fields as decimal strings.</summary>
    private static bool TryReadHeader(string body, out long revision, out string? member)
    {
        revision = 0;
        member = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("header", out var header)
                || !header.TryGetProperty("revision", out var rev)
                || !long.TryParse(rev.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out revision))
            {
                return false;
            }

            member = header.TryGetProperty("member_id", out var id) ? id.GetString() : null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error))
            {
                return error.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
        }

        return body.Length > 120 ? body[..120] : body;
    }

    /// <summary>The exception chain's messages, without the parts that change from one request to the next.</summary>
    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            messages.Add(inner.Message);
        }

        return string.Join(" <- ", messages.Distinct());
    }
}

/// <summary>
/// Writes with <c>etcdctl put</c> (gRPC) through the gateway: one process, so one new connection, per write, with
/// etcdctl's own timeouts (--dial-timeout=2s, --command-timeout=5s).
/// </summary>
public sealed class EtcdctlChaosWriter(string name, Stopwatch clock, string gatewayAddress) : ChaosWriter(name, clock)
{
    private int _connections;

    public override string Kind => "etcdctl (gRPC), a process per put";

    protected override int ConnectionsOpened => Volatile.Read(ref _connections);

    public override async Task RunAsync(CancellationToken cancellation)
    {
        for (long seq = 0; !cancellation.IsCancellationRequested; seq++)
        {
            var key = KeyFor(seq);
            var value = ValueFor(seq);
            var started = Now;
            Interlocked.Increment(ref _connections);
            var put = await Etcdctl.RunAsync(
                gatewayAddress, ["put", key, value, "-w", "json", "--dial-timeout=2s", "--command-timeout=5s"], TimeSpan.FromSeconds(15));
            if (put.Succeeded && TryReadHeader(put.StdOut, out var revision, out var member))
            {
                RecordAck(key, value, revision, member, started);
                continue;
            }

            if (cancellation.IsCancellationRequested)
            {
                RecordAbandoned(key);
                return;
            }

            RecordFailure(key, put.ExitCode == -1 ? "etcdctl killed after 15 s" : FirstErrorLine(put), started);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>etcdctl's JSON output keeps uint64 fields as JSON numbers.</summary>
    private static bool TryReadHeader(string stdout, out long revision, out string? member)
    {
        revision = 0;
        member = null;
        try
        {
            using var document = JsonDocument.Parse(stdout);
            var header = document.RootElement.GetProperty("header");
            revision = header.GetProperty("revision").GetInt64();
            member = header.GetProperty("member_id").GetUInt64().ToString(CultureInfo.InvariantCulture);
            return revision > 0;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>etcdctl's error line without its timestamp and the request-specific parts.</summary>
    private static string FirstErrorLine(CommandResult result)
    {
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.FirstOrDefault(l => l.StartsWith("Error:", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? $"exit code {result.ExitCode}";
        return line.Length > 160 ? line[..160] : line;
    }
}
