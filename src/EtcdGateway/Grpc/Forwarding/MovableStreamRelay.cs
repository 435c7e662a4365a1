using System.Threading.Channels;
using EtcdGateway.Balancing;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Logging;
using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// A client's bidirectional stream (Watch, LeaseKeepAlive) relayed to one member at a time and moved to another when that
/// member fails under it: health takes it out of rotation (a hung member, after <c>--eject-grace</c>) or its stream breaks
/// (a member killed or restarted). What the stream must remember to go on elsewhere is the service's
/// <see cref="IStreamState{TRequest, TResponse}"/>; this type moves messages and picks members:
/// <code>
/// client ──► translate for the cluster ──► state.FromClient ──► member's writer ──► member
/// client ◄── translate for the client  ◄── state.FromMember ◄── member's reader ◄── member
///                       member failed ──► next member ──► state.Resume ──► new member
/// </code>
/// One loop owns the state and the client's writer: the client's requests, the member's responses and the end of the
/// member's call arrive through one bounded queue, in order, so nothing takes a lock, and a client that reads slowly
/// slows the member's call down rather than filling memory. A client that half-closes its side keeps receiving, as from
/// etcd.
/// </summary>
internal sealed class MovableStreamRelay<TRequest, TResponse>(
    MemberStreams members,
    string method,
    Func<CallInvoker, CallOptions, AsyncDuplexStreamingCall<TRequest, TResponse>> open,
    IStreamState<TRequest, TResponse> state,
    Func<TRequest, TRequest> forMember,
    Func<TResponse, TResponse> forClient)
    where TRequest : class
    where TResponse : class
{
    private const int InboxCapacity = 64;
    private static readonly TimeSpan FirstBackOff = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestBackOff = TimeSpan.FromSeconds(2);

    private readonly Channel<RelayInput<TRequest, TResponse>> _inbox = Channel.CreateBounded<RelayInput<TRequest, TResponse>>(
        new BoundedChannelOptions(InboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly StreamOutput<TRequest, TResponse> _output = new();

    /// <summary>The choice of member under way, kept until the chosen member answers (so a member that failed is not chosen again).</summary>
    private BackendSelection? _selection;

    private bool _everAnswered;
    private int _calls;

    public async Task RunAsync(IAsyncStreamReader<TRequest> fromClient, IServerStreamWriter<TResponse> toClient, ServerCallContext context)
    {
        var stream = members.Track(context.CancellationToken);
        using var relayEnded = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var options = ForwardedCallOptions.From(context);
        var clientReader = ReadClientAsync(fromClient, relayEnded.Token);
        MemberCall<TRequest, TResponse>? member = null;
        try
        {
            // :: Step 1: a member for the stream; none at all fails the call, as for any other.
            member = await ConnectAsync(stream, options, relayEnded.Token);

            // :: Step 2: one input at a time until the client goes away or the stream ends with an error for it.
            while (true)
            {
                var input = await _inbox.Reader.ReadAsync(relayEnded.Token);
                switch (input.Kind)
                {
                    case RelayInputKind.ClientRequest:
                        state.FromClient(forMember(input.Request!), _output);
                        await FlushAsync(member, toClient, relayEnded.Token);
                        break;
                    case RelayInputKind.MemberResponse when input.Call == member.Number:
                        Answered(member);
                        state.FromMember(input.Response!, _output);
                        await FlushAsync(member, toClient, relayEnded.Token);
                        break;
                    case RelayInputKind.MemberEnded when input.Call == member.Number:
                        // :: Step 3: the member's call ended. etcd ends these streams only with an error (or when its client
                        // half-closes, which the proxy never does upstream), so an end without one is a member's fault too.
                        member.Dispose();
                        member = await MoveAsync(stream, member, input.Error ?? new RpcException(new Status(StatusCode.Unavailable, "the member ended the stream")), options, relayEnded.Token);
                        state.Resume(_output);
                        await FlushAsync(member, toClient, relayEnded.Token);
                        break;
                }

                // Left: the client's half-close (it still reads; nothing to do) and whatever replaced calls still said.
            }
        }
        finally
        {
            await relayEnded.CancelAsync();
            member?.Dispose();
            await clientReader;
            members.Untrack(stream);
        }
    }

    /// <summary>
    /// After the member's call failed with <paramref name="error"/>: the next member, or the error for the client when the
    /// failure is not the member's (PermissionDenied, InvalidArgument, etcd's "no leader" to a client that sent
    /// <c>hasleader</c>) or the proxy is shutting down.
    /// </summary>
    private async Task<MemberCall<TRequest, TResponse>> MoveAsync(
        RelayedStream stream, MemberCall<TRequest, TResponse> failed, Exception error, CallOptions options, CancellationToken relayEnded)
    {
        relayEnded.ThrowIfCancellationRequested();
        if (stream.ProxyStopping)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"etcd-gateway: the gRPC proxy ended the stream on {failed.Endpoint.Name}: the proxy is shutting down; retry"));
        }

        // Ended by the proxy (health took the member out of rotation): the member is at fault whatever the call reported.
        var ejected = stream.CurrentCallEnded;
        if (!ejected && error is RpcException clientFault && !RetryRules.MovesStream(clientFault, RequiresLeader(options)))
        {
            throw clientFault;
        }

        _selection ??= members.NewSelection();
        if (!ejected && error is RpcException rpc && RetryRules.NeverReached(rpc) is { } dial)
        {
            // False: the fault is this machine's (out of descriptors), and another member would fail alike.
            if (!_selection.Failed(failed.Endpoint, dial))
            {
                throw rpc;
            }
        }
        else
        {
            _selection.Skip(failed.Endpoint);
        }

        var next = await ConnectAsync(stream, options, relayEnded);
        if (members.Logger.IsEnabled(LogLevel.Debug))
        {
            members.Logger.Debug("moved a stream to another member", [
                new("method", method), new("from", failed.Endpoint.Name), new("to", next.Endpoint.Name), new("ejected", ejected), LogField.Error(error)]);
        }

        return next;
    }

    /// <summary>
    /// The call on the next member of the selection under way. Once the stream has had an answer it has something to keep,
    /// so with no member left it waits and tries again (the client keeps its stream, as etcd's own client would);
    /// before that, no member fails the call.
    /// </summary>
    private async Task<MemberCall<TRequest, TResponse>> ConnectAsync(RelayedStream stream, CallOptions options, CancellationToken relayEnded)
    {
        var backOff = FirstBackOff;
        while (true)
        {
            _selection ??= members.NewSelection();
            var endpoint = _selection.Next(() => method, _everAnswered ? "no member available for a stream; trying again" : "no member available; failing the call");
            if (endpoint is not null)
            {
                var callOptions = options.WithCancellationToken(stream.StartMemberCall(endpoint));
                return new MemberCall<TRequest, TResponse>(++_calls, endpoint, open(members.For(endpoint), callOptions), _inbox.Writer, relayEnded);
            }

            _selection = null;
            if (!_everAnswered)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "etcd-gateway: no cluster member available"));
            }

            await Task.Delay(backOff, members.Time, relayEnded);
            backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, LongestBackOff.Ticks));
        }
    }

    /// <summary>Whether the client sent etcd's <c>hasleader</c> (value "true"), asking to be refused by a member without a leader.</summary>
    private static bool RequiresLeader(CallOptions options) => options.Headers?.GetValue(RetryRules.RequireLeaderKey) == "true";

    /// <summary>The member answered: the choice is made (a last-resort member goes back into rotation).</summary>
    private void Answered(MemberCall<TRequest, TResponse> member)
    {
        if (member.Answered)
        {
            return;
        }

        member.Answered = true;
        _everAnswered = true;
        _selection?.Succeeded(member.Endpoint);
        _selection = null;
    }

    private async Task FlushAsync(MemberCall<TRequest, TResponse> member, IServerStreamWriter<TResponse> toClient, CancellationToken relayEnded)
    {
        foreach (var request in _output.ToMember)
        {
            member.Send(request);
        }

        foreach (var response in _output.ToClient)
        {
            await toClient.WriteAsync(forClient(response), relayEnded);
        }

        _output.Clear();
    }

    /// <summary>Client → queue until the client half-closes or goes away (its call's cancellation then ends the relay).</summary>
    private async Task ReadClientAsync(IAsyncStreamReader<TRequest> fromClient, CancellationToken relayEnded)
    {
        try
        {
            while (await fromClient.MoveNext(relayEnded))
            {
                await _inbox.Writer.WriteAsync(RelayInput<TRequest, TResponse>.FromClient(fromClient.Current), relayEnded);
            }

            await _inbox.Writer.WriteAsync(RelayInput<TRequest, TResponse>.ClientEnded(), relayEnded);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The client is gone or the relay is over; the call's cancellation carries it.
        }
    }
}
