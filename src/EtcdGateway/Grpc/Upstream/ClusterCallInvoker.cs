using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// The cluster as one gRPC target: every call the proxy's services make goes through here, and here it is sent to a
/// member. The generated etcd clients are built over this invoker, so a service reads as a plain client call while the
/// forwarding policy lives in one place:
/// <code>
/// service ──► generated client ──► ClusterCallInvoker ──► pick (healthy-or-panic) ──► member's channel ──► member
///                                    │  track the call (drain, eject-grace)          │
///                                    ├─ failed before it reached the member, or repeatable and Unavailable: next member
///                                    └─ repeatable and its member left rotation while it waited: next member, at once
/// </code>
/// </summary>
internal sealed class ClusterCallInvoker(EndpointPicker picker, MemberChannels members, ConnectionTracker tracker) : CallInvoker
{
    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException("the proxy forwards asynchronously");

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = Track(options);
        var headers = new TaskCompletionSource<Metadata>(TaskCreationOptions.RunContinuationsAsynchronously);
        var response = UnaryAsync(method, options, request, call, headers);
        return new AsyncUnaryCall<TResponse>(
            response,
            headers.Task,
            () => response.IsCompletedSuccessfully ? Status.DefaultSuccess : (response.Exception?.InnerException as RpcException)?.Status ?? Status.DefaultCancelled,
            () => (response.Exception?.InnerException as RpcException)?.Trailers ?? [],
            () => { });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var call = Track(options);
        var stream = new ServerStreamAttempts<TRequest, TResponse>(
            method, request, options.WithCancellationToken(call.Token), new CallAttempts(picker, method.FullName, call), members);
        return new AsyncServerStreamingCall<TResponse>(stream, Task.FromResult(new Metadata()), () => stream.Status, () => stream.Trailers, () =>
        {
            stream.Dispose();
            Untrack(call);
        });
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var call = Track(options);
        try
        {
            var attempts = new CallAttempts(picker, method.FullName, call);
            var endpoint = attempts.Next();
            var upstream = members.For(endpoint).AsyncDuplexStreamingCall(method, null, options.WithCancellationToken(call.Token));
            return new AsyncDuplexStreamingCall<TRequest, TResponse>(
                upstream.RequestStream,
                new DuplexResponseReader<TResponse>(upstream.ResponseStream, endpoint, attempts),
                upstream.ResponseHeadersAsync,
                upstream.GetStatus,
                upstream.GetTrailers,
                () =>
                {
                    upstream.Dispose();
                    Untrack(call);
                });
        }
        catch
        {
            Untrack(call);
            throw;
        }
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException("etcd's API has no client-streaming method");

    private async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, CallOptions options, TRequest request, TrackedCall call, TaskCompletionSource<Metadata> headers)
        where TRequest : class
        where TResponse : class
    {
        try
        {
            var attempts = new CallAttempts(picker, method.FullName, call);
            var mayRepeat = RetryRules.IsRepeatable(method.FullName);
            while (true)
            {
                var endpoint = attempts.Next();
                var attemptToken = call.BeginAttempt(movable: mayRepeat);
                using var attempt = members.For(endpoint).AsyncUnaryCall(method, null, options.WithCancellationToken(attemptToken), request);
                try
                {
                    var response = await attempt.ResponseAsync;
                    attempts.Succeeded(endpoint);
                    headers.TrySetResult(await attempt.ResponseHeadersAsync);
                    return response;
                }
                catch (RpcException) when (attemptToken.IsCancellationRequested && !call.Token.IsCancellationRequested)
                {
                    // Its member left rotation while the call waited on it (hung, or gone): a repeatable call moves on now.
                    attempts.Moved(endpoint);
                }
                catch (RpcException e)
                {
                    if (attempts.AfterFailure(endpoint, e, mayRepeat) is { } error)
                    {
                        throw error;
                    }
                }
            }
        }
        finally
        {
            headers.TrySetResult([]);
            Untrack(call);
        }
    }

    /// <summary>Counts the call in, or refuses it when the proxy holds as many as it allows (the descriptor budget).</summary>
    private TrackedCall Track(CallOptions options)
    {
        if (!tracker.TryReserve())
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "etcd-gateway: too many calls in flight"));
        }

        var call = new TrackedCall(options.CancellationToken);
        tracker.Add(call);
        return call;
    }

    private void Untrack(TrackedCall call)
    {
        tracker.Remove(call);
        call.Dispose();
    }
}
