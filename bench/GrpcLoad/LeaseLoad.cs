using System.Diagnostics;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace GrpcLoad;

/// <summary>
/// Lease keep-alive: leases granted through the target, each kept alive by its own client (channel) over its own
/// LeaseKeepAlive stream every TTL/3, as etcd's client does, with start times spread over one interval; revoked at the end.
/// </summary>
internal static class LeaseLoad
{
    public static async Task<ResultLine> RunAsync(LoadOptions options)
    {
        var sampler = new ProcessSampler(options.ProxyPid);
        var channels = Enumerable.Range(0, Math.Min(options.Channels, options.Leases)).Select(_ => ChannelFactory.Open(options.Endpoint)).ToArray();

        // :: Step 1: grant the leases, 32 at a time.
        var ids = new long[options.Leases];
        var setup = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(32))
        {
            await Task.WhenAll(Enumerable.Range(0, options.Leases).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var client = new Lease.LeaseClient(channels[i % channels.Length]);
                    ids[i] = (await client.LeaseGrantAsync(new LeaseGrantRequest { TTL = options.Ttl })).ID;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        var grantSeconds = setup.Elapsed.TotalSeconds;

        // :: Step 2: keep them alive for the measured time.
        using var stop = new CancellationTokenSource();
        var interval = TimeSpan.FromSeconds(options.Ttl / 3.0);
        long sent = 0, answered = 0, failures = 0;
        var keepers = Enumerable.Range(0, options.Leases).Select(i => Task.Run(async () =>
        {
            var client = new Lease.LeaseClient(channels[i % channels.Length]);
            using var call = client.LeaseKeepAlive(cancellationToken: stop.Token);
            try
            {
                await Task.Delay(interval * Random.Shared.NextDouble(), stop.Token);
                while (!stop.IsCancellationRequested)
                {
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = ids[i] });
                    Interlocked.Increment(ref sent);
                    if (!await call.ResponseStream.MoveNext(stop.Token))
                    {
                        break;
                    }
                    if (call.ResponseStream.Current.TTL > 0)
                    {
                        Interlocked.Increment(ref answered);
                    }
                    await Task.Delay(interval, stop.Token);
                }
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
            }
            catch (RpcException)
            {
                Interlocked.Increment(ref failures);
            }
        })).ToArray();

        // The first interval opens the streams; the measured time starts after it.
        await Task.Delay(interval + TimeSpan.FromMilliseconds(200));
        var cpuStart = sampler.CpuSeconds();
        var measured = Stopwatch.StartNew();
        var sentStart = Interlocked.Read(ref sent);
        await Task.Delay(TimeSpan.FromSeconds(options.Seconds));
        var cpuEnd = sampler.CpuSeconds();
        var seconds = measured.Elapsed.TotalSeconds;
        var sentInWindow = Interlocked.Read(ref sent) - sentStart;
        var clusterStreams = await MemberMetrics.OpenStreamsAsync(options.MetricsUrls, "LeaseKeepAlive");
        var rss = sampler.RssKib();
        await stop.CancelAsync();
        await Task.WhenAll(keepers);

        // :: Step 3: revoke them, so that the member does not expire 1,000 leases during the next measurement.
        var revoke = Stopwatch.StartNew();
        long revokeFailures = 0;
        using (var gate = new SemaphoreSlim(32))
        {
            await Task.WhenAll(ids.Select(async (id, i) =>
            {
                await gate.WaitAsync();
                try
                {
                    await new Lease.LeaseClient(channels[i % channels.Length]).LeaseRevokeAsync(new LeaseRevokeRequest { ID = id });
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref revokeFailures);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        var revokeSeconds = revoke.Elapsed.TotalSeconds;
        foreach (var channel in channels)
        {
            channel.Dispose();
        }
        return new ResultLine(options.Mode)
            .Add("leases", options.Leases)
            .Add("channels", channels.Length)
            .Add("grant_s", grantSeconds)
            .Add("seconds", seconds)
            .Add("keepalives_per_s", sentInWindow / seconds)
            .Add("keepalives_answered", Interlocked.Read(ref answered))
            .Add("keepalives_sent", Interlocked.Read(ref sent))
            .Add("failed_streams", failures)
            .Add("proxy_cpu_ms_per_s", (cpuEnd - cpuStart) * 1000 / seconds)
            .Add("proxy_rss_kib", rss)
            .Add("cluster_keepalive_streams", clusterStreams)
            .Add("revoke_s", revokeSeconds)
            .Add("revoke_failures", Interlocked.Read(ref revokeFailures));
    }
}
