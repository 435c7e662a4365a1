using System.Buffers.Binary;
using System.Diagnostics;
using EtcdGateway.Protos.Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace GrpcLoad;

/// <summary>
/// One Watch stream carrying several watches: counts the confirmed creates, the events and their latency, and the
/// events a watch received again or out of order (mod_revision not above the last one it got: etcd never does that).
/// </summary>
internal sealed class WatchStream
{
    private readonly AsyncDuplexStreamingCall<WatchRequest, WatchResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private int _created;
    private long _events;
    private long _repeated;
    // Last mod_revision delivered per watch id (ids on one stream are small and dense); only the reader touches it.
    private long[] _lastRevision = new long[16];

    public WatchStream(Watch.WatchClient client)
    {
        _call = client.Watch(cancellationToken: _stop.Token);
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>Delivery latencies; read only after <see cref="StopAsync"/>.</summary>
    public LatencySamples Latencies { get; } = new();
    public int Created => Volatile.Read(ref _created);
    public long Events => Interlocked.Read(ref _events);
    /// <summary>Events whose mod_revision was not above the last one the same watch received.</summary>
    public long Repeated => Interlocked.Read(ref _repeated);
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

    private void CheckOrder(WatchResponse response)
    {
        var id = response.WatchId;
        if (id < 0 || id > 1 << 20)
        {
            return;   // not an id this tool's creates get; nothing to compare with
        }
        if (id >= _lastRevision.Length)
        {
            Array.Resize(ref _lastRevision, (int)Math.Max(id + 1, _lastRevision.Length * 2L));
        }
        var last = _lastRevision[id];
        var repeated = 0;
        foreach (var e in response.Events)
        {
            var revision = e.Kv.ModRevision;
            if (revision <= last)
            {
                repeated++;
            }
            else
            {
                last = revision;
            }
        }
        _lastRevision[id] = last;
        if (repeated > 0)
        {
            Interlocked.Add(ref _repeated, repeated);
        }
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
                if (response.Events.Count > 0)
                {
                    CheckOrder(response);
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
