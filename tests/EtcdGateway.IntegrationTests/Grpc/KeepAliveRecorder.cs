using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A LeaseKeepAlive stream kept as etcd's clients keep it: a keep-alive every so often, every answer recorded.</summary>
public sealed class KeepAliveRecorder(AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call, long lease, Stopwatch clock) : IDisposable
{
    private readonly List<(LeaseKeepAliveResponse Response, TimeSpan At)> _answers = [];

    public Exception? Error { get; private set; }

    /// <summary>When the latest keep-alive was sent (on the test's clock), or null before the first.</summary>
    public TimeSpan? LastSent { get; private set; }

    public IReadOnlyList<(LeaseKeepAliveResponse Response, TimeSpan At)> Answers
    {
        get
        {
            lock (_answers)
            {
                return [.. _answers];
            }
        }
    }

    /// <summary>One keep-alive and its answer.</summary>
    public async Task<LeaseKeepAliveResponse> OnceAsync(TimeSpan timeout)
    {
        await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease });
        using var limit = new CancellationTokenSource(timeout);
        if (!await call.ResponseStream.MoveNext(limit.Token))
        {
            throw new InvalidOperationException("the keep-alive stream ended");
        }

        return call.ResponseStream.Current;
    }

    /// <summary>Sends a keep-alive every <paramref name="interval"/> and reads answers until <paramref name="stop"/>.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken stop)
    {
        var reading = ReadAsync();
        try
        {
            while (!stop.IsCancellationRequested && Error is null)
            {
                await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, CancellationToken.None);
                LastSent = clock.Elapsed;
                await Task.Delay(interval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            Error ??= e;
        }

        if (reading.IsCompleted)
        {
            await reading;
        }
    }

    public void Dispose() => call.Dispose();

    private async Task ReadAsync()
    {
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                lock (_answers)
                {
                    _answers.Add((call.ResponseStream.Current, clock.Elapsed));
                }
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
        {
            // Disposed at the end of the test.
        }
        catch (Exception e)
        {
            Error = e;
        }
    }
}
