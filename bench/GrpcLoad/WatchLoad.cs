using System.Buffers.Binary;
using System.Diagnostics;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;

namespace GrpcLoad;

/// <summary>
/// Watch fan-out: watchers spread over channels × streams, watcher i on key bench/watch/(i mod keys); once every watch
/// is created, a writer puts at a fixed rate, each value holding the send time, and every delivered event's latency
/// is the time from that send to its arrival (the member's commit included, the same for every target).
/// </summary>
internal static class WatchLoad
{
    private const string KeyPrefix = "bench/watch/";

    public static async Task<ResultLine> RunAsync(LoadOptions options)
    {
        var sampler = new ProcessSampler(options.ProxyPid);
        var rssBefore = sampler.RssKib();
        var channels = Enumerable.Range(0, options.Channels).Select(_ => ChannelFactory.Open(options.Endpoint)).ToArray();
        var streamCount = options.Channels * options.Streams;
        var streams = new List<WatchStream>(streamCount);
        for (var s = 0; s < streamCount; s++)
        {
            streams.Add(new WatchStream(new Watch.WatchClient(channels[s % channels.Length])));
        }

        // :: Step 1: create every watch and wait until each is confirmed.
        var setup = Stopwatch.StartNew();
        for (var w = 0; w < options.Watchers; w++)
        {
            await streams[w % streamCount].CreateAsync(ByteString.CopyFromUtf8(KeyPrefix + (w % options.Keys)));
        }
        while (streams.Sum(s => s.Created) < options.Watchers)
        {
            if (streams.FirstOrDefault(s => s.Failure is not null) is { } failed)
            {
                throw new InvalidOperationException($"a watch stream failed: {failed.Failure!.Message}");
            }
            if (setup.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"{streams.Sum(s => s.Created)} of {options.Watchers} watches created after 60 s");
            }
            await Task.Delay(10);
        }
        var setupSeconds = setup.Elapsed.TotalSeconds;
        await Task.Delay(500);   // let the targets' memory settle after the burst of creates
        var rssWith = sampler.RssKib();
        var clusterWatchers = await MemberMetrics.SumAsync(options.MetricsUrls, "etcd_debugging_mvcc_watcher_total");

        // :: Step 2: write at the given rate for the measured time.
        using var writeChannel = ChannelFactory.Open(options.WriteEndpoint ?? options.Endpoint);
        var writer = new KV.KVClient(writeChannel);
        var self = new ProcessSampler(Environment.ProcessId);
        var cpuStart = sampler.CpuSeconds();
        var selfStart = self.CpuSeconds();
        var writes = await WriteAsync(writer, options);
        // :: Step 3: wait for the last events: until all expected arrived, or none arrived for 1 s (10 s at most).
        var expected = writes * (double)options.Watchers / options.Keys;
        var grace = Stopwatch.StartNew();
        var lastCount = -1L;
        var lastProgress = TimeSpan.Zero;
        while (grace.Elapsed < TimeSpan.FromSeconds(10))
        {
            var count = streams.Sum(s => s.Events);
            if (count >= expected)
            {
                break;
            }
            if (count != lastCount)
            {
                (lastCount, lastProgress) = (count, grace.Elapsed);
            }
            else if (grace.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
            {
                break;
            }
            await Task.Delay(100);
        }
        var cpuEnd = sampler.CpuSeconds();
        var selfEnd = self.CpuSeconds();
        await Task.WhenAll(streams.Select(s => s.StopAsync()));
        var failures = streams.Count(s => s.Failure is not null);
        var delivered = streams.Sum(s => s.Events);
        var (p50, p99) = LatencySamples.Percentiles(streams.Select(s => s.Latencies));
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
        return new ResultLine(options.Mode)
            .Add("watchers", options.Watchers)
            .Add("streams", streamCount)
            .Add("setup_s", setupSeconds)
            .Add("writes", writes)
            .Add("events_expected", expected)
            .Add("events", delivered)
            .Add("events_repeated", streams.Sum(s => s.Repeated))
            .Add("failed_streams", failures)
            .Add("p50_ms", p50)
            .Add("p99_ms", p99)
            .Add("proxy_cpu_s", cpuEnd - cpuStart)
            .Add("proxy_cpu_ms_per_1k_events", (cpuEnd - cpuStart) * 1000 / delivered * 1000)
            .Add("proxy_rss_before_kib", rssBefore)
            .Add("proxy_rss_with_kib", rssWith)
            .Add("proxy_rss_kib_per_watcher", (rssWith - rssBefore) / options.Watchers)
            .Add("cluster_watchers", clusterWatchers)
            .Add("client_cpu_ms_per_1k_events", (selfEnd - selfStart) * 1000 / delivered * 1000);
    }

    // Paced writes: the n-th write is due at n / rate seconds; a writer that falls behind catches up without sleeping.
    private static async Task<long> WriteAsync(KV.KVClient writer, LoadOptions options)
    {
        var total = (long)(options.Seconds * options.Rate);
        var start = Stopwatch.GetTimestamp();
        var inFlight = new List<Task>();
        var value = new byte[8];
        for (long n = 0; n < total; n++)
        {
            var due = start + n * Stopwatch.Frequency / options.Rate;
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
            inFlight.Add(writer.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(KeyPrefix + (n % options.Keys)), Value = ByteString.CopyFrom(value) }).ResponseAsync);
            if (inFlight.Count >= 256)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        await Task.WhenAll(inFlight);
        return total;
    }
}
