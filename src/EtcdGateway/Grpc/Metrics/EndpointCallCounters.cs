using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>The calls the proxy made to one member: started, and ended by status code. Interlocked only.</summary>
internal sealed class EndpointCallCounters
{
    /// <summary>
    /// The codes that say a call failed on the member's side or on the way to it, as etcd's own alerts count failed gRPC
    /// requests; a client's bad request or its own cancel is not the member's failure.
    /// </summary>
    private static readonly StatusCode[] FailureCodes =
    [
        StatusCode.Unknown, StatusCode.FailedPrecondition, StatusCode.ResourceExhausted, StatusCode.Internal,
        StatusCode.Unavailable, StatusCode.DataLoss, StatusCode.DeadlineExceeded,
    ];

    private readonly long[] _ended = new long[GrpcStatusNames.Count];
    private long _started;

    public long Started => Volatile.Read(ref _started);

    /// <summary>Calls that ended with the code counted at <paramref name="index"/> (see <see cref="GrpcStatusNames"/>).</summary>
    public long Ended(int index) => Volatile.Read(ref _ended[index]);

    /// <summary>Calls open on the member now (streams included).</summary>
    public long Active
    {
        get
        {
            // Ended first: a call that ends between the reads then shows as still open, never as a negative count.
            long ended = 0;
            for (var i = 0; i < _ended.Length; i++)
            {
                ended += Volatile.Read(ref _ended[i]);
            }

            return Math.Max(0, Volatile.Read(ref _started) - ended);
        }
    }

    /// <summary>Calls that ended with one of the codes etcd's alerts call failures.</summary>
    public long Failed => FailureCodes.Sum(c => Ended(GrpcStatusNames.IndexOf(c)));

    public void CallStarted() => Interlocked.Increment(ref _started);

    public void CallEnded(StatusCode code) => Interlocked.Increment(ref _ended[GrpcStatusNames.IndexOf(code)]);
}
