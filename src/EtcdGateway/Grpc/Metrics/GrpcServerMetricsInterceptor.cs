using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// Feeds <see cref="GrpcServerMetrics"/> from every call the proxy serves, counting as go-grpc-prometheus does: a call is
/// started when the handler is entered and handled with the status it ends with; messages are counted as they pass (a
/// unary call receives one, and sends one when it succeeds). One instance serves every call.
/// </summary>
internal sealed class GrpcServerMetricsInterceptor(GrpcServerMetrics metrics, TimeProvider time) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var counters = metrics.For(context.Method, GrpcMethodTypes.Unary);
        counters.Started();
        counters.Received();
        var start = time.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            var response = await continuation(request, context);
            code = context.Status.StatusCode;
            if (code == StatusCode.OK)
            {
                counters.Sent();
            }

            return response;
        }
        catch (Exception e)
        {
            code = CodeOf(e, context);
            throw;
        }
        finally
        {
            counters.Handled(code, time.GetElapsedTime(start));
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var counters = metrics.For(context.Method, GrpcMethodTypes.ClientStream);
        counters.Started();
        var start = time.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            var response = await continuation(new CountingStreamReader<TRequest>(requestStream, counters), context);
            code = context.Status.StatusCode;
            if (code == StatusCode.OK)
            {
                counters.Sent();
            }

            return response;
        }
        catch (Exception e)
        {
            code = CodeOf(e, context);
            throw;
        }
        finally
        {
            counters.Handled(code, time.GetElapsedTime(start));
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var counters = metrics.For(context.Method, GrpcMethodTypes.ServerStream);
        counters.Started();
        counters.Received();
        await HandleStreamAsync(counters, context, () => continuation(request, new CountingStreamWriter<TResponse>(responseStream, counters), context));
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var counters = metrics.For(context.Method, GrpcMethodTypes.BidiStream);
        counters.Started();
        await HandleStreamAsync(counters, context, () => continuation(
            new CountingStreamReader<TRequest>(requestStream, counters), new CountingStreamWriter<TResponse>(responseStream, counters), context));
    }

    /// <summary>
    /// The status a call that threw ends with, as the client sees it: an RpcException's own; a handler stopped because the
    /// client went away or its deadline passed, Canceled or DeadlineExceeded; anything else, Unknown (what the server sends).
    /// </summary>
    internal StatusCode CodeOf(Exception e, ServerCallContext context) => e switch
    {
        RpcException rpc => rpc.StatusCode,
        _ when context.CancellationToken.IsCancellationRequested =>
            context.Deadline <= time.GetUtcNow().UtcDateTime ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
        _ => StatusCode.Unknown,
    };

    private async Task HandleStreamAsync(GrpcMethodCounters counters, ServerCallContext context, Func<Task> handler)
    {
        var start = time.GetTimestamp();
        var code = StatusCode.Unknown;
        try
        {
            await handler();
            code = context.Status.StatusCode;
        }
        catch (Exception e)
        {
            code = CodeOf(e, context);
            throw;
        }
        finally
        {
            counters.Handled(code, time.GetElapsedTime(start));
        }
    }
}
