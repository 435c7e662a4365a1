using System.Globalization;

namespace GrpcLoad;

/// <summary>The command line of one run: the mode, the target and the sizes of the load.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        usage: grpc-load <mode> --endpoint HOST:PORT [options]
          modes: range | range-serializable | put | watch | lease | first-rpc
          --endpoint HOST:PORT      the target (a member, etcd's grpc-proxy or ours)
          --channels N              client channels, each one HTTP/2 connection (default 4; lease: one per lease)
          --concurrency M           calls in flight per channel (range, put; default 16)
          --seconds S               measured time (default 5)
          --warmup S                load before the measured time, not counted (range, put; default 0)
          --key K                   the key read or written (default bench/key)
          --watchers W              watch: watchers (default 1000)
          --streams N               watch: Watch streams per channel (default 1); watchers spread over them
          --keys K                  watch: keys watched, bench/watch/0 .. K-1 (default 100)
          --rate R                  watch: writes per second (default 1000)
          --write-endpoint HOST:PORT watch: where the writer puts (default: --endpoint)
          --leases L                lease: leases, each with its own LeaseKeepAlive stream (default 100)
          --ttl S                   lease: TTL in seconds; a keep-alive every TTL/3 (default 9)
          --warm-endpoint HOST:PORT first-rpc: answered once before polling, so nothing is compiled during the poll
          --proxy-pid PID           read that process's CPU time (utime+stime) and RSS at the phase boundaries
          --metrics URL[,URL]       members' /metrics pages, read while the watchers or leases are held
        prints one JSON line on stdout; exit 1 when the load could not run, 2 on bad arguments
        """;

    public required string Mode { get; init; }
    public required string Endpoint { get; init; }
    public int Channels { get; init; } = 4;
    public int Concurrency { get; init; } = 16;
    public double Seconds { get; init; } = 5;
    public double Warmup { get; init; }
    public string Key { get; init; } = "bench/key";
    public int Watchers { get; init; } = 1000;
    public int Streams { get; init; } = 1;
    public int Keys { get; init; } = 100;
    public int Rate { get; init; } = 1000;
    public string? WriteEndpoint { get; init; }
    public int Leases { get; init; } = 100;
    public int Ttl { get; init; } = 9;
    public string? WarmEndpoint { get; init; }
    public int? ProxyPid { get; init; }
    public IReadOnlyList<string> MetricsUrls { get; init; } = [];

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static LoadOptions Parse(string[] args)
    {
        string[] modes = ["range", "range-serializable", "put", "watch", "lease", "first-rpc"];
        if (args.Length == 0 || !modes.Contains(args[0]))
        {
            throw new ArgumentException($"the first argument must be a mode ({string.Join(", ", modes)})");
        }
        var values = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --flag value at '{args[i]}'");
            }
            values[args[i][2..]] = args[i + 1];
        }
        string? Text(string name) => values.Remove(name, out var v) ? v : null;
        int Int(string name, int fallback) => Text(name) is { } v
            ? int.TryParse(v, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--{name}={v}: a positive integer is expected")
            : fallback;
        double Num(string name, double fallback, double min) => Text(name) is { } v
            ? double.TryParse(v, CultureInfo.InvariantCulture, out var n) && n >= min ? n : throw new ArgumentException($"--{name}={v}: a number ≥ {min} is expected")
            : fallback;

        var options = new LoadOptions
        {
            Mode = args[0],
            Endpoint = Text("endpoint") ?? throw new ArgumentException("--endpoint is required"),
            Channels = Int("channels", 4),
            Concurrency = Int("concurrency", 16),
            Seconds = Num("seconds", 5, 0.1),
            Warmup = Num("warmup", 0, 0),
            Key = Text("key") ?? "bench/key",
            Watchers = Int("watchers", 1000),
            Streams = Int("streams", 1),
            Keys = Int("keys", 100),
            Rate = Int("rate", 1000),
            WriteEndpoint = Text("write-endpoint"),
            Leases = Int("leases", 100),
            Ttl = Int("ttl", 9),
            WarmEndpoint = Text("warm-endpoint"),
            ProxyPid = Text("proxy-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            MetricsUrls = Text("metrics")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [],
        };
        if (values.Count > 0)
        {
            throw new ArgumentException($"unknown flag --{values.Keys.First()}");
        }
        return options;
    }
}
