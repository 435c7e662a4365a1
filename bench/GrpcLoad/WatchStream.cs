using System.Buffers.Binary;
using System.Diagnostics;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace GrpcLoad;

/// <summary>One Watch stream carrying several watches: counts the confirmed creates, the events and their latency.</summary>
internal sealed class WatchStream
{
    private readonly AsyncDuplexStreamingCall<WatchRequest, WatchResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private int _created;
    private long _events;

    public WatchStream(Watch.WatchClient client)
    {
        _call = client.Watch(cancellationToken: _stop.Token);
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Delivery latencies; read only after <see cref="StopAsync"/>.</summary>
    public LatencySamples Latencies { get; } = new();
    public int Created => Volatile.Read(ref _created);
    public long Events => Interlocked.Read(ref _events);
    /// <summary>Why the stream ended before it was stopped, if it did.</summary>
    public Exception? Failure { get; private set; }

    public Task CreateAsync(ByteString key) =>
        _call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = key } });

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _reader;
        _call.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var response in _call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                if (response.Created)
                {
                    Interlocked.Increment(ref _created);
                }
                // Every value the writer puts is its send time (Stopwatch ticks, same process).
                foreach (var e in response.Events)
                {
                    var value = e.Kv.Value.Span;
                    if (value.Length == 8)
                    {
                        Latencies.Add(Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(value), now));
                    }
                }
                Interlocked.Add(ref _events, response.Events.Count);
            }
            if (!_stop.IsCancellationRequested)
            {
                Failure = new InvalidOperationException("the target ended the stream");
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (RpcException e)
        {
            Failure = e;
        }
    }
}
