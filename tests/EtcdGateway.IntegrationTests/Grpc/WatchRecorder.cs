using System.Diagnostics;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary>A watch stream read in the background: every response kept with the moment it arrived, and how the stream ended.</summary>
public sealed class WatchRecorder : IDisposable
{
    private readonly List<ReceivedWatchResponse> _received = [];
    private readonly Stopwatch _clock;
    private readonly Task _reading;

    private WatchRecorder(AsyncDuplexStreamingCall<WatchRequest, WatchResponse> call, Stopwatch clock)
    {
        Call = call;
        _clock = clock;
        _reading = ReadAsync();
    }

    public AsyncDuplexStreamingCall<WatchRequest, WatchResponse> Call { get; }

    /// <summary>The error the stream ended with, if it ended.</summary>
    public Exception? Error { get; private set; }

    public bool Ended => _reading.IsCompleted;

    public IReadOnlyList<ReceivedWatchResponse> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public static WatchRecorder Open(GrpcChannel channel, Stopwatch clock, Metadata? headers = null) =>
        new(new Watch.WatchClient(channel).Watch(headers), clock);

    public Task SendAsync(WatchRequest request) => Call.RequestStream.WriteAsync(request);

    /// <summary>Waits for a response matching <paramref name="match"/> among those received from index <paramref name="from"/> on.</summary>
    public async Task<ReceivedWatchResponse> WaitForAsync(Func<WatchResponse, bool> match, TimeSpan timeout, int from = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var found = Received.Skip(from).FirstOrDefault(r => match(r.Response));
            if (found is not null)
            {
                return found;
            }

            if (Ended || deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"no matching watch response within {timeout} (stream ended: {Ended}, error: {Error?.Message}); got {Received.Count}");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose() => Call.Dispose();

    private async Task ReadAsync()
    {
        try
        {
            while (await Call.ResponseStream.MoveNext(CancellationToken.None))
            {
                lock (_received)
                {
                    _received.Add(new ReceivedWatchResponse(Call.ResponseStream.Current, _clock.Elapsed));
                }
            }
        }
        catch (Exception e)
        {
            Error = e;
        }
    }
}

/// <summary>A watch response and when it arrived on the test's clock.</summary>
public sealed record ReceivedWatchResponse(WatchResponse Response, TimeSpan At);
