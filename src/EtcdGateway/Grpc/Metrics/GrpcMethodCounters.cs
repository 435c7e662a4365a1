using EtcdGateway.Metrics;
using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>
/// The <c>grpc_server_*</c> counters of one method, made once before the first call and then only incremented
/// (interlocked, no lock), so counting costs a call a few atomic adds.
/// </summary>
internal sealed class GrpcMethodCounters(string service, string method, string type)
{
    /// <summary>Prometheus' default buckets, which go-grpc-prometheus uses for <c>grpc_server_handling_seconds</c>.</summary>
    public static readonly double[] HandlingBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _handled = new long[GrpcStatusNames.Count];
    private long _started;
    private long _received;
    private long _sent;

    /// <summary>Full service name, e.g. <c>etcdserverpb.KV</c>.</summary>
    public string Service => service;

    /// <summary>Method name, e.g. <c>Range</c>.</summary>
    public string Method => method;

    /// <summary>One of <see cref="GrpcMethodTypes"/>.</summary>
    public string Type => type;

    /// <summary>Start to finish of each handled call (for a stream: its whole life).</summary>
    public Histogram Handling { get; } = new(HandlingBounds);

    public long StartedCount => Volatile.Read(ref _started);

    public long ReceivedCount => Volatile.Read(ref _received);

    public long SentCount => Volatile.Read(ref _sent);

    /// <summary>Calls that ended with the code counted at <paramref name="index"/> (see <see cref="GrpcStatusNames"/>).</summary>
    public long HandledCount(int index) => Volatile.Read(ref _handled[index]);

    /// <summary>Calls that ended, whatever their code.</summary>
    public long HandledTotal()
    {
        long total = 0;
        for (var i = 0; i < _handled.Length; i++)
        {
            total += Volatile.Read(ref _handled[i]);
        }

        return total;
    }

    public void Started() => Interlocked.Increment(ref _started);

    public void Received() => Interlocked.Increment(ref _received);

    public void Sent() => Interlocked.Increment(ref _sent);

    public void Handled(StatusCode code, TimeSpan took)
    {
        Interlocked.Increment(ref _handled[GrpcStatusNames.IndexOf(code)]);
        Handling.Record(took);
    }
}
