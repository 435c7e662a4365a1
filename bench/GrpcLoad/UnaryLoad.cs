using System.Diagnostics;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace GrpcLoad;

/// <summary>
/// Closed-loop unary load (range, range-serializable, put): channels × concurrency calls always in flight for the
/// measured time; each call waits for its answer before the next one starts.
/// </summary>
internal static class UnaryLoad
{
    public static async Task<ResultLine> RunAsync(LoadOptions options)
    {
        var channels = Enumerable.Range(0, options.Channels).Select(_ => ChannelFactory.Open(options.Endpoint)).ToArray();
        var key = ByteString.CopyFromUtf8(options.Key);
        Func<KV.KVClient, int, Task> call = options.Mode switch
        {
            "range" => (client, _) => client.RangeAsync(new RangeRequest { Key = key }).ResponseAsync,
            "range-serializable" => (client, _) => client.RangeAsync(new RangeRequest { Key = key, Serializable = true }).ResponseAsync,
            // Each worker writes its own key, so the writes are not all to one key's history.
            _ => (client, worker) => client.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8($"{options.Key}/put/{worker}"), Value = key }).ResponseAsync,
        };

        // One answered call per channel first: connections are up and the call path is compiled before the clock starts.
        foreach (var channel in channels)
        {
            await call(new KV.KVClient(channel), 0);
        }

        var sampler = new ProcessSampler(options.ProxyPid);
        var self = new ProcessSampler(Environment.ProcessId);
        var warmEnd = Stopwatch.GetTimestamp() + (long)(options.Warmup * Stopwatch.Frequency);
        var end = warmEnd + (long)(options.Seconds * Stopwatch.Frequency);
        var cpuStart = double.NaN;
        long measureStart = 0;
        var workers = new List<Task<(LatencySamples Samples, long Errors)>>();
        for (var c = 0; c < channels.Length; c++)
        {
            var client = new KV.KVClient(channels[c]);
            for (var m = 0; m < options.Concurrency; m++)
            {
                var worker = c * options.Concurrency + m;
                workers.Add(Task.Run(async () =>
                {
                    var samples = new LatencySamples();
                    long errors = 0;
                    while (true)
                    {
                        var start = Stopwatch.GetTimestamp();
                        if (start >= end)
                        {
                            return (samples, errors);
                        }
                        try
                        {
                            await call(client, worker);
                            if (start >= warmEnd)
                            {
                                samples.AddSince(start);
                            }
                        }
                        catch (RpcException)
                        {
                            errors++;
                        }
                    }
                }));
            }
        }
        // The proxy's CPU is read at the start and the end of the measured time only (not the warm-up).
        var untilMeasure = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), warmEnd);
        if (untilMeasure > TimeSpan.Zero)
        {
            await Task.Delay(untilMeasure);
        }
        cpuStart = sampler.CpuSeconds();
        var selfStart = self.CpuSeconds();
        measureStart = Stopwatch.GetTimestamp();
        var results = await Task.WhenAll(workers);
        var cpuEnd = sampler.CpuSeconds();
        var selfEnd = self.CpuSeconds();
        var seconds = Stopwatch.GetElapsedTime(measureStart).TotalSeconds;
        var requests = results.Sum(r => r.Samples.Count);
        var (p50, p99) = LatencySamples.Percentiles(results.Select(r => r.Samples));
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
        return new ResultLine(options.Mode)
            .Add("requests", requests)
            .Add("errors", results.Sum(r => r.Errors))
            .Add("seconds", seconds)
            .Add("rps", requests / seconds)
            .Add("p50_ms", p50)
            .Add("p99_ms", p99)
            .Add("proxy_cpu_s", cpuEnd - cpuStart)
            .Add("proxy_cpu_ms_per_1k", (cpuEnd - cpuStart) * 1000 / requests * 1000)
            .Add("proxy_rss_kib", sampler.RssKib())
            .Add("client_cpu_ms_per_1k", (selfEnd - selfStart) * 1000 / requests * 1000);
    }
}
