using System.Threading.Channels;
using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Watch;

/// <summary>
/// One watcher the proxy holds on the cluster, on a stream of its own, kept alive across members:
/// <code>
/// pick a member ──► create from owner.ResumeRevision (owner's credentials) ──► responses ──► owner
///        ▲                                                                          │
///        └──── member hung (health ends the call), died, lost its leader ◄──────────┘
/// </code>
/// The watcher always asks for prev_kv and progress notifications and never for fragments, so the owner gets whole
/// revisions and can serve any client's options from them; it sends <c>hasleader</c>, so a member cut off from its
/// leader ends the stream and the watch moves. A refusal for the credentials used (a token that expired) is tried again
/// with the owner's next credentials before it counts.
/// </summary>
internal sealed class UpstreamWatch(MemberStreams members, WatchRange range, IUpstreamWatchOwner owner) : IDisposable
{
    private const string Method = "/etcdserverpb.Watch/Watch";
    private static readonly TimeSpan FirstBackOff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestBackOff = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long members may refuse the watcher with "no leader" before the cluster counts as leaderless: etcd's three
    /// election timeouts at its default of 1 s, after which it ends its own <c>hasleader</c> streams.
    /// </summary>
    private static readonly TimeSpan NoLeaderPatience = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _stop = new();
    private readonly System.Threading.Lock _gate = new();
    private Channel<WatchRequest>? _outgoing;

    /// <summary>The member the watcher is on now, if any.</summary>
    public Endpoint? Member { get; private set; }

    public void Start() => _ = Task.Run(RunAsync);

    public void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already over.
        }
    }

    /// <summary>Done by the watch's own loop when it ends; <see cref="Stop"/> is safe after it.</summary>
    public void Dispose() => _stop.Dispose();

    /// <summary>Asks the member for a progress notification on the watcher's stream; false when no stream is open.</summary>
    public bool RequestProgress()
    {
        lock (_gate)
        {
            return _outgoing?.Writer.TryWrite(WatchMessages.Progress()) ?? false;
        }
    }

    private async Task RunAsync()
    {
        RelayedStream tracked;
        try
        {
            tracked = members.Track(_stop.Token);
        }
        catch (RpcException e)
        {
            owner.Failed(e);
            return;
        }

        try
        {
            var selection = members.NewSelection();
            var backOff = FirstBackOff;
            var attempt = 0;
            WatchResponse? lastRefusal = null;
            long? refusedWithoutLeaderSince = null;
            while (!_stop.IsCancellationRequested)
            {
                // :: Step 1: a member in rotation; with none left, wait and choose again (the watchers keep their streams).
                var endpoint = selection.Next(() => Method, "no member available for a shared watch; trying again");
                if (endpoint is null)
                {
                    await Task.Delay(backOff, members.Time, _stop.Token);
                    backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, LongestBackOff.Ticks));
                    selection = members.NewSelection();
                    continue;
                }

                // :: Step 2: the owner's credentials, in turn while a member refuses them.
                if (owner.Credentials(attempt) is not { } credentials)
                {
                    owner.Ended(lastRefusal ?? WatchMessages.Canceled(new ResponseHeader(), 0, WatchMessages.PermissionDeniedReason));
                    return;
                }

                // :: Step 3: watch there until the member fails; then the next member, from where the owner stands.
                var outcome = await WatchOnAsync(endpoint, credentials, tracked, selection);
                refusedWithoutLeaderSince = NoticeLeader(outcome, refusedWithoutLeaderSince);
                switch (outcome.Kind)
                {
                    case OutcomeKind.Ended:
                        return;
                    case OutcomeKind.Refused:
                        lastRefusal = outcome.Refusal;
                        attempt++;
                        continue;
                    case OutcomeKind.Answered:
                        backOff = FirstBackOff;
                        attempt = 0;
                        break;
                    case OutcomeKind.Failed:
                        // Never answered (refused connections, a member starting): do not spin between members.
                        await Task.Delay(backOff, members.Time, _stop.Token);
                        backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, LongestBackOff.Ticks));
                        break;
                }

                if (tracked.ProxyStopping)
                {
                    owner.Failed(new RpcException(new Status(StatusCode.Unavailable, $"etcd-gateway: the gRPC proxy ended the watch on {endpoint.Name}: the proxy is shutting down; retry")));
                    return;
                }

                if (members.Logger.IsEnabled(LogLevel.Debug))
                {
                    members.Logger.Debug("moving a shared watch to another member", [
                        new("key", range.Key.ToStringUtf8()), new("from", endpoint.Name), new("resume-revision", owner.ResumeRevision), LogField.Error(outcome.Error?.Message ?? "")]);
                }

                selection = members.NewSelection();
                selection.Skip(endpoint);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped: the last watcher left.
        }
        finally
        {
            Member = null;
            members.Untrack(tracked);
            Dispose();
        }
    }

    /// <summary>
    /// Tells the owner when the cluster is without a leader as etcd would tell a <c>hasleader</c> stream: at once when a
    /// member ended an answered stream for it, or once members have refused the watcher for it for <see cref="NoLeaderPatience"/>.
    /// </summary>
    /// <returns>Since when (a timestamp) members have been refusing the watcher for want of a leader, if they have.</returns>
    private long? NoticeLeader(Outcome outcome, long? refusedSince)
    {
        if (!RetryRules.IsNoLeader(outcome.Error))
        {
            return outcome.Kind == OutcomeKind.Answered ? null : refusedSince;
        }

        if (outcome.Kind == OutcomeKind.Answered)
        {
            owner.LeaderLost();
            return null;
        }

        var now = members.Time.GetTimestamp();
        if (refusedSince is not { } since)
        {
            return now;
        }

        if (members.Time.GetElapsedTime(since, now) < NoLeaderPatience)
        {
            return since;
        }

        owner.LeaderLost();
        return now;
    }

    private async Task<Outcome> WatchOnAsync(Endpoint endpoint, Metadata credentials, RelayedStream tracked, BackendSelection selection)
    {
        var callEnded = tracked.StartMemberCall(endpoint);
        var outgoing = Channel.CreateUnbounded<WatchRequest>(new UnboundedChannelOptions { SingleReader = true });
        var create = new WatchCreateRequest
        {
            Key = range.Key,
            RangeEnd = range.RangeEnd,
            StartRevision = owner.ResumeRevision,
            PrevKv = true,
            ProgressNotify = true,
        };
        outgoing.Writer.TryWrite(new WatchRequest { CreateRequest = create });
        var answered = false;
        try
        {
            using var call = new WatchApi.WatchClient(members.For(endpoint)).Watch(new CallOptions(credentials, cancellationToken: callEnded));
            lock (_gate)
            {
                _outgoing = outgoing;
            }

            Member = endpoint;
            _ = WriteAsync(call.RequestStream, outgoing.Reader);
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                var response = call.ResponseStream.Current;
                if (response.Created)
                {
                    if (response.Canceled)
                    {
                        if (IsRefusalOfCredentials(response.CancelReason))
                        {
                            return Outcome.Refused(response);
                        }

                        owner.Ended(response);
                        return Outcome.Ended;
                    }

                    answered = true;
                    selection.Succeeded(endpoint);
                    owner.Created(response);
                    continue;
                }

                if (response.Canceled)
                {
                    // Compacted past where the watcher (re)started, or ended by the member: for every client watcher.
                    owner.Ended(response);
                    return Outcome.Ended;
                }

                await owner.ReceivedAsync(response);
            }

            return Outcome.Failed(answered, new RpcException(new Status(StatusCode.Unavailable, "the member ended the stream")));
        }
        catch (RpcException e) when (!_stop.IsCancellationRequested && IsRefusalOfCredentials(e))
        {
            return Outcome.Refused(WatchMessages.Canceled(new ResponseHeader(), 0, WatchMessages.PermissionDeniedReason));
        }
        catch (Exception e) when (!_stop.IsCancellationRequested && e is RpcException or IOException or InvalidOperationException or OperationCanceledException)
        {
            return Outcome.Failed(answered, e);
        }
        finally
        {
            lock (_gate)
            {
                _outgoing = null;
            }

            outgoing.Writer.TryComplete();
        }
    }

    private static async Task WriteAsync(IClientStreamWriter<WatchRequest> writer, ChannelReader<WatchRequest> outgoing)
    {
        try
        {
            await foreach (var request in outgoing.ReadAllAsync())
            {
                await writer.WriteAsync(request);
            }
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The call is over; its reader reports how it ended.
        }
    }

    /// <summary>etcd refuses a watch whose stream's token it does not accept as "permission denied" (3.4) or with an auth error.</summary>
    private static bool IsRefusalOfCredentials(string reason) => reason.Contains("permission denied", StringComparison.Ordinal) || reason.Contains("auth", StringComparison.Ordinal);

    private static bool IsRefusalOfCredentials(RpcException e) =>
        e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied
        || (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("auth", StringComparison.Ordinal));

    private enum OutcomeKind
    {
        Answered,
        Failed,
        Refused,
        Ended,
    }

    /// <summary>How one member's call of the watcher went.</summary>
    private readonly record struct Outcome(OutcomeKind Kind, WatchResponse? Refusal, Exception? Error)
    {
        public static Outcome Ended => new(OutcomeKind.Ended, null, null);

        public static Outcome Refused(WatchResponse refusal) => new(OutcomeKind.Refused, refusal, null);

        public static Outcome Failed(bool answered, Exception error) => new(answered ? OutcomeKind.Answered : OutcomeKind.Failed, null, error);
    }
}
