using System.Diagnostics;
using EtcdGateway.IntegrationTests.Infrastructure;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>
/// Members dying and hanging under the gRPC proxy, with a client that keeps calling through one channel as an
/// application would: once the member is out of rotation no call fails; a hung member holds nothing up for long.
/// </summary>
public class GrpcFailoverTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task KilledMember_WhileAClientKeepsPutting_NoFailureOnceTheMemberIsOut()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var kv = new KV.KVClient(channel);
        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;

        var calls = await CallForAsync(kv, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1), () => cluster.Kill(victim));

        // Calls already on the member when it died may fail (a write cannot be repeated safely); none after.
        var killedAt = calls.First(c => c.AfterEvent).Started;
        var late = calls.Where(c => !c.Succeeded && c.Started > killedAt + TimeSpan.FromSeconds(0.5)).ToList();
        Assert.True(late.Count == 0, $"calls failed after the member was killed: {string.Join("; ", late)}\n{proxy.Log}");
        Assert.True(calls.Count(c => c.Succeeded && c.AfterEvent) > 20, $"too few calls after the kill: {calls.Count}");
        var deactivated = await proxy.WaitForLogAsync("deactivated endpoint", Timeout);
        Assert.Equal(cluster.Members[victim].ClientAddress, deactivated.GetProperty("address").GetString());
    }

    [Fact]
    public async Task HungMember_CallsSucceedAgainWithinAFewSeconds()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var kv = new KV.KVClient(channel);
        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;
        try
        {
            var calls = await CallForAsync(kv, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(1), () => cluster.Stop(victim));

            // Health takes a hung member out within interval × threshold + timeout (2.5 s by default); calls already on
            // it end after --eject-grace (1 s) with Unavailable. From then on, every call succeeds.
            var stoppedAt = calls.First(c => c.AfterEvent).Started;
            var late = calls.Where(c => !c.Succeeded && c.Started > stoppedAt + TimeSpan.FromSeconds(4)).ToList();
            Assert.True(late.Count == 0, $"calls failed well after the member hung: {string.Join("; ", late)}\n{proxy.Log}");
            Assert.True(calls.Count(c => c.Succeeded && c.Started > stoppedAt + TimeSpan.FromSeconds(4)) > 10, "too few calls after the hang");
            var deactivated = await proxy.WaitForLogAsync("deactivated endpoint", Timeout);
            Assert.Equal(cluster.Members[victim].ClientAddress, deactivated.GetProperty("address").GetString());
        }
        finally
        {
            cluster.Continue(victim);
        }
    }

    [Fact]
    public async Task WatchOnAHungMember_MovesToAnotherMember_WithoutLossUnderTheSameId()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);

        // An empty advertise URL: MemberList through the proxy is the cluster's, which maps member IDs below.
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--advertise-client-url="]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var leader = await cluster.LeaderIndexAsync();

        // Writes go to the leader directly: it is never the member hung below.
        using var writerChannel = GrpcChannel.ForAddress($"http://{cluster.Members[leader].ClientAddress}");
        var writer = new KV.KVClient(writerChannel);

        // Open watches until one lands on a member that is not the leader (the pick is round-robin).
        var ids = (await new Cluster.ClusterClient(channel).MemberListAsync(new MemberListRequest())).Members
            .ToDictionary(m => m.ID, m => cluster.Members.Select((x, i) => (x, i)).Single(p => m.ClientURLs.Contains($"http://{p.x.ClientAddress}")).i);
        var start = (await writer.PutAsync(new PutRequest { Key = Key("k"), Value = Value("0") })).Header.Revision;
        AsyncDuplexStreamingCall<WatchRequest, WatchResponse>? watch = null;
        var victim = -1;
        for (var attempt = 0; attempt < 6 && victim < 0; attempt++)
        {
            var call = new Watch.WatchClient(channel).Watch();
            await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key("k"), StartRevision = start + 1 } });
            Assert.True(await call.ResponseStream.MoveNext());
            var member = ids[call.ResponseStream.Current.Header.MemberId];
            if (member != leader)
            {
                (watch, victim) = (call, member);
            }
            else
            {
                // Closed, its shared cluster watcher goes too; the next one is made on the next member.
                call.Dispose();
                await Task.Delay(300);
            }
        }

        Assert.NotNull(watch);
        using (watch)
        {
            try
            {
                await writer.PutAsync(new PutRequest { Key = Key("k"), Value = Value("1") });
                Assert.True(await watch.ResponseStream.MoveNext());
                var delivered = Assert.Single(watch.ResponseStream.Current.Events).Kv.ModRevision;

                cluster.Stop(victim);
                var stopped = Stopwatch.StartNew();
                await writer.PutAsync(new PutRequest { Key = Key("k"), Value = Value("2") });

                // The stream stays open: health takes the member out, the proxy watches again elsewhere from the next
                // revision, and the event arrives on the same stream, under the same id, with the new member's header.
                using var limit = new CancellationTokenSource(Timeout);
                Assert.True(await watch.ResponseStream.MoveNext(limit.Token));
                var moved = watch.ResponseStream.Current;
                Assert.InRange(stopped.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(8));
                Assert.False(moved.Created);
                Assert.Equal(0, moved.WatchId);
                Assert.NotEqual(victim, ids[moved.Header.MemberId]);
                var again = Assert.Single(moved.Events);
                Assert.Equal(("2", delivered + 1), (again.Kv.Value.ToStringUtf8(), again.Kv.ModRevision));
            }
            finally
            {
                cluster.Continue(victim);
            }
        }
    }

    [Fact]
    public async Task Sigterm_WithAWatchOpen_NewConnectionsRefused_WatchGoesOnUntilTheDrainTimeout_ExitZero()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--drain-timeout=3s"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        using var directChannel = GrpcChannel.ForAddress($"http://{cluster.Members[0].ClientAddress}");
        var direct = new KV.KVClient(directChannel);
        using var watch = new Watch.WatchClient(channel).Watch();
        await watch.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = Key("drain"), RangeEnd = Key("drain0") } });
        Assert.True(await watch.ResponseStream.MoveNext());

        proxy.Terminate();
        await proxy.WaitForLogAsync("stopped accepting connections; draining", Timeout);
        var refused = await Etcdctl.RunAsync(proxy.ListenAddress, ["get", "x", "--dial-timeout=1s", "--command-timeout=2s"], Timeout);
        Assert.False(refused.Succeeded, refused.ToString());

        await direct.PutAsync(new PutRequest { Key = Key("drain/during"), Value = Value("1") });
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal("drain/during", Assert.Single(watch.ResponseStream.Current.Events).Kv.Key.ToStringUtf8());

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var limit = new CancellationTokenSource(Timeout);
            while (await watch.ResponseStream.MoveNext(limit.Token))
            {
            }
        });
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Equal(0, await proxy.WaitForExitAsync(Timeout));
        Assert.Single(proxy.LogEntries("drain timeout reached; closing remaining connections"));
        Assert.Single(proxy.LogEntries("gRPC proxy stopped"));
    }

    /// <summary>Puts and gets in turn, one at a time, for <paramref name="duration"/>; <paramref name="event"/> runs halfway.</summary>
    [Fact]
    public async Task HungMember_ReadsWaitingOnIt_MoveToAnotherMemberOnceHealthTakesItOut_NotAfterTheEjectGrace()
    {
        await using var cluster = await EtcdCluster.StartAsync(3);

        // A grace far longer than any read may take here: a read still waiting on the hung member when health takes it
        // out must not wait for it (the old behaviour: it waited the grace, then failed with Unavailable).
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", "--eject-grace=60s"]);
        using var channel = GrpcChannel.ForAddress($"http://{proxy.ListenAddress}");
        var kv = new KV.KVClient(channel);
        await kv.PutAsync(new PutRequest { Key = Key("read/me"), Value = Value("v") });
        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;
        cluster.Stop(victim);
        try
        {
            // Round-robin sends some of these to the hung member; each is a linearizable or serializable read.
            var clock = Stopwatch.StartNew();
            var reads = Enumerable.Range(0, 12).Select(async i =>
            {
                var response = await kv.RangeAsync(
                    new RangeRequest { Key = Key("read/me"), Serializable = i % 2 == 0 }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)));
                return (response.Kvs.Single().Value.ToStringUtf8(), clock.Elapsed);
            }).ToList();
            var answers = await Task.WhenAll(reads);

            Assert.All(answers, a => Assert.Equal("v", a.Item1));
            var slowest = answers.Max(a => a.Elapsed);
            Assert.True(slowest < TimeSpan.FromSeconds(15), $"a read waited {slowest} on the hung member\n{proxy.Log}");
            var deactivated = await proxy.WaitForLogAsync("deactivated endpoint", Timeout);
            Assert.Equal(cluster.Members[victim].ClientAddress, deactivated.GetProperty("address").GetString());
        }
        finally
        {
            cluster.Continue(victim);
        }
    }

    private static async Task<List<CallRecord>> CallForAsync(KV.KVClient kv, TimeSpan duration, TimeSpan deadline, Action @event)
    {
        var calls = new List<CallRecord>();
        var clock = Stopwatch.StartNew();
        var happened = false;
        for (var i = 0; clock.Elapsed < duration; i++)
        {
            if (!happened && clock.Elapsed > duration / 3)
            {
                @event();
                happened = true;
            }

            var started = clock.Elapsed;
            var options = new CallOptions(deadline: DateTime.UtcNow + deadline);
            try
            {
                if (i % 2 == 0)
                {
                    await kv.PutAsync(new PutRequest { Key = Key($"calls/{i}"), Value = Value($"v{i}") }, options);
                }
                else
                {
                    await kv.RangeAsync(new RangeRequest { Key = Key($"calls/{i - 1}") }, options);
                }

                calls.Add(new CallRecord(started, happened, true, ""));
            }
            catch (RpcException e)
            {
                calls.Add(new CallRecord(started, happened, false, $"{e.StatusCode}: {e.Status.Detail}"));
            }
        }

        return calls;
    }

    private static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    private static ByteString Value(string value) => ByteString.CopyFromUtf8(value);

    private sealed record CallRecord(TimeSpan Started, bool AfterEvent, bool Succeeded, string Error);
}
