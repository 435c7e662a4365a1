using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// Sits on one member's channel and counts the calls made through it (<see cref="EndpointCallCounters"/>): started when
/// made, ended with the status the member's answer carries. Each member's channel has its own instance, so a call finds
/// its counters without a lookup. etcd's API has no client-streaming method, so only unary and server/duplex streams are counted.
/// </summary>
internal sealed class UpstreamCallInterceptor(EndpointCallCounters counters) : Interceptor
{
    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Start(() => continuation(request, context));
        return new AsyncUnaryCall<TResponse>(
            ObserveAsync(call.ResponseAsync),
            static c => ((AsyncUnaryCall<TResponse>)c).ResponseHeadersAsync,
            static c => ((AsyncUnaryCall<TResponse>)c).GetStatus(),
            static c => ((AsyncUnaryCall<TResponse>)c).GetTrailers(),
            static c => ((AsyncUnaryCall<TResponse>)c).Dispose(),
            call);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Start(() => continuation(request, context));
        var outcome = new UpstreamCallOutcome(counters);
        return new AsyncServerStreamingCall<TResponse>(
            new ObservedResponseStream<TResponse>(call.ResponseStream, outcome),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            () =>
            {
                call.Dispose();
                outcome.Abandoned();
            });
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = Start(() => continuation(context));
        var outcome = new UpstreamCallOutcome(counters);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            call.RequestStream,
            new ObservedResponseStream<TResponse>(call.ResponseStream, outcome),
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            () =>
            {
                call.Dispose();
                outcome.Abandoned();
            });
    }

    /// <summary>The status a call that threw ended with: an RpcException's own, Canceled for a cancel, else Unknown.</summary>
    internal static StatusCode CodeOf(Exception e) => e switch
    {
        RpcException rpc => rpc.StatusCode,
        OperationCanceledException => StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    private TCall Start<TCall>(Func<TCall> make)
    {
        counters.CallStarted();
        try
        {
            return make();
        }
        catch (Exception e)
        {
            counters.CallEnded(CodeOf(e));
            throw;
        }
    }

    private async Task<TResponse> ObserveAsync<TResponse>(Task<TResponse> response)
    {
        try
        {
            var answer = await response;
            counters.CallEnded(StatusCode.OK);
            return answer;
        }
        catch (Exception e)
        {
            counters.CallEnded(CodeOf(e));
            throw;
        }
    }
}
